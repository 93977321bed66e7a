/** Walking the elements of a parsed SAML document (xmldom), shared by the readers of signed XML. */
import type { Element, Node } from '@xmldom/xmldom';

const ELEMENT_NODE = 1;

/** The element children of `parent` in `namespace`, with `localName` when given. */
export function childElements(parent: Node, namespace: string, localName?: string): Element[] {
  const found: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== ELEMENT_NODE) continue;
    const element = child as Element;
    if (element.namespaceURI === namespace && (localName === undefined || element.localName === localName)) found.push(element);
  }
  return found;
}

/** `root` and every element below it, in document order. */
export function elementsOf(root: Element): Element[] {
  const found: Element[] = [];
  const visit = (element: Element) => {
    found.push(element);
    for (let child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === ELEMENT_NODE) visit(child as Element);
    }
  };
  visit(root);
  return found;
}
