/** Reading the XML documents under test with @xmldom/xmldom: elements by namespace and name. */
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';

export function parseXml(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

/** Every descendant element `ns`:`name` of `node`, in document order. */
export function all(node: Document | Element, ns: string, name: string): Element[] {
  return Array.from(node.getElementsByTagNameNS(ns, name));
}

/** The one descendant element `ns`:`name` of `node`; the test fails unless there is exactly one. */
export function one(node: Document | Element, ns: string, name: string): Element {
  const found = all(node, ns, name);
  expect({ name, count: found.length }).toEqual({ name, count: 1 });
  return found[0];
}

/** The one direct child element `ns`:`name` of `element`; the test fails unless there is exactly one. */
export function child(element: Element, ns: string, name: string): Element {
  const found = Array.from(element.childNodes).filter(
    (node) => node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === name,
  );
  expect({ name, count: found.length }).toEqual({ name, count: 1 });
  return found[0] as Element;
}

/** The local names of the direct child elements of `element`, in order. */
export function childNames(element: Element): string[] {
  return Array.from(element.childNodes)
    .filter((node) => node.nodeType === 1)
    .map((node) => (node as Element).localName!);
}

/** The element alone, as a document of its own. */
export function serialize(element: Element): string {
  return new XMLSerializer().serializeToString(element);
}
