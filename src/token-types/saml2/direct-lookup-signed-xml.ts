/**
 * xml-crypto's SignedXml for verifying with checkSignature, with the look-ups it makes through the
 * `xpath` package done by walking the DOM: each override selects the nodes the XPath expression it
 * replaces selects (quoted beside it), without compiling and running that expression on every
 * call; those look-ups were half the cost of verifying an assertion. loadSignature also skips a
 * reading of the references that checkSignature discards. Everything else (parsing,
 * canonicalization, transforms, digests, the signature check, the wrapping refusals) stays
 * xml-crypto's. The methods replaced are private ones of xml-crypto 6.3, so the spec beside this
 * file pins that version and compares both classes on the same documents: read the overrides
 * against the new version's code before upgrading.
 */
import type { Attr, Document, Element, Node } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { findAncestorNsForElement, findChildren, validateDigestValue } from 'xml-crypto/lib/utils';
import { DS_NS } from './assertion-namespaces';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const DOCUMENT_NODE = 9;
const INCLUSIVE_C14N = ['http://www.w3.org/TR/2001/REC-xml-c14n-20010315', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments'];

/** The private members of xml-crypto 6.3's SignedXml that the overrides read or call. */
interface Reference {
  uri?: string;
  xpath?: string;
  transforms: string[];
  digestAlgorithm: string;
  digestValue: unknown;
  inclusiveNamespacesPrefixList: string[];
  ancestorNamespaces?: unknown[];
  validationError?: Error;
}
interface Internals {
  signatureNode: Node | null;
  signatureXml: string;
  signatureValue: string;
  canonicalizationAlgorithm: string;
  signatureAlgorithm: string;
  keyInfo: Node | null;
  idAttributes: string[];
  canonicalize(transforms: string[], node: Node, options: object, flags: { discardComments: boolean }): string;
  findHashAlgorithm(name: string): { getHash(xml: string): string };
  getCanonXml(transforms: string[], node: Node, options?: object): string;
}

/** `root`'s descendants (not itself), every node type, in document order; no recursion, so any depth costs linear time. */
function* descendantsOf(root: Node): Generator<Node> {
  let node: Node | null = root.firstChild;
  while (node) {
    yield node;
    if (node.firstChild) {
      node = node.firstChild;
      continue;
    }
    while (node !== root && !node.nextSibling) node = node.parentNode!;
    node = node === root ? null : node.nextSibling;
  }
}

function* descendantElementsNamed(node: Node, localName: string): Generator<Element> {
  for (const each of descendantsOf(node)) if (each.nodeType === ELEMENT_NODE && (each as Element).localName === localName) yield each as Element;
}

/**
 * `.//*[local-name(.)='<localName>']/@Algorithm`, first in document order. The xpath package
 * compares names case-insensitively on an xmldom document (its HTML detection answers yes) and an
 * unprefixed name test only matches attributes in no namespace.
 */
function firstAlgorithmAttribute(node: Node, localName: string): Attr | undefined {
  for (const element of descendantElementsNamed(node, localName)) {
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes.item(i)!;
      if (!attribute.namespaceURI && (attribute.localName || attribute.nodeName).toLowerCase() === 'algorithm') return attribute;
    }
  }
  return undefined;
}

/** `.//*[local-name(.)='SignatureValue']/text()`, first in document order (text or CDATA). */
function firstSignatureValueText(node: Node): Node | undefined {
  for (const each of descendantsOf(node)) {
    const parent = each.parentNode as Element;
    if ((each.nodeType === TEXT_NODE || each.nodeType === CDATA_SECTION_NODE) && parent !== node && parent.localName === 'SignatureValue') return each;
  }
  return undefined;
}

/** `//*[@*[local-name(.)='<name>']='<value>']`: the elements of `doc` with any attribute (namespace declarations included) so named and valued. */
function elementsCarrying(doc: Node, name: string, value: string): Element[] {
  const found: Element[] = [];
  for (const each of descendantsOf(doc)) {
    if (each.nodeType !== ELEMENT_NODE) continue;
    const attributes = (each as Element).attributes;
    for (let i = 0; i < attributes.length; i++) {
      const attribute = attributes.item(i)!;
      if ((attribute.localName || attribute.nodeName) === name && attribute.value === value) {
        found.push(each as Element);
        break;
      }
    }
  }
  return found;
}

export class DirectLookupSignedXml extends SignedXml {}

/** xml-crypto's own implementation of a method overridden here. */
function superMethod(name: string): (...args: unknown[]) => unknown {
  return (SignedXml.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
}

const overrides = {
  /**
   * xml-crypto's loadSignature for a node, its four XPath look-ups done by walking the signature,
   * for checkSignature to use: the references are only read there (getReferences() is empty before).
   */
  loadSignature(this: Internals, signatureNode: Node | string): void {
    if (typeof signatureNode === 'string') return superMethod('loadSignature').call(this, signatureNode) as void;
    this.signatureNode = signatureNode;
    this.signatureXml = signatureNode.toString();
    const canonicalization = firstAlgorithmAttribute(signatureNode, 'CanonicalizationMethod');
    if (!canonicalization) throw new Error('could not find CanonicalizationMethod/@Algorithm element');
    this.canonicalizationAlgorithm = canonicalization.value;
    const signatureAlgorithm = firstAlgorithmAttribute(signatureNode, 'SignatureMethod');
    if (signatureAlgorithm) this.signatureAlgorithm = signatureAlgorithm.value;
    const signedInfoNodes = findChildren(signatureNode as never, 'SignedInfo') as unknown as Element[];
    if (signedInfoNodes.length === 0) throw new Error('no signed info node found');
    if (signedInfoNodes.length > 1) throw new Error('could not load signature that contains multiple SignedInfo nodes');
    // xml-crypto also reads the references here, from SignedInfo canonicalized and parsed once
    // more; checkSignature drops them and reads them again, with the same checks, from the SignedInfo
    // it canonicalizes itself, so that copy is not made.
    const signatureValue = firstSignatureValueText(signatureNode);
    if (signatureValue?.nodeType === TEXT_NODE) this.signatureValue = (signatureValue as unknown as { data: string }).data.replace(/\r?\n/g, '');
    const keyInfo = descendantElementsNamed(signatureNode, 'KeyInfo').next();
    if (!keyInfo.done) this.keyInfo = keyInfo.value;
  },

  /** xml-crypto's getCanonSignedInfoXml; the ancestors are those of `//*[local-name()='SignedInfo']`, the first one. */
  getCanonSignedInfoXml(this: Internals, doc: Document): string {
    // `//` starts at the document: anything else (xml-crypto only passes its parsed document) is left to xml-crypto.
    if (doc?.nodeType !== DOCUMENT_NODE) return superMethod('getCanonSignedInfoXml').call(this, doc) as string;
    if (this.signatureNode == null) throw new Error('No signature found.');
    if (typeof this.canonicalizationAlgorithm !== 'string') throw new Error('Missing canonicalizationAlgorithm when trying to get signed info for XML');
    const signedInfo = findChildren(this.signatureNode as never, 'SignedInfo') as unknown as Element[];
    if (signedInfo.length === 0) throw new Error('could not find SignedInfo element in the message');
    if (signedInfo.length > 1) throw new Error('could not get canonicalized signed info for a signature that contains multiple SignedInfo nodes');
    if (INCLUSIVE_C14N.includes(this.canonicalizationAlgorithm) && (!doc || typeof doc !== 'object')) {
      throw new Error('When canonicalization method is non-exclusive, whole xml dom must be provided as an argument');
    }
    const first = descendantElementsNamed(doc, 'SignedInfo').next();
    const ancestorNamespaces = first.done ? [] : findAncestorNsForElement(first.value as never);
    return this.getCanonXml([this.canonicalizationAlgorithm], signedInfo[0], { ancestorNamespaces });
  },

  /**
   * xml-crypto's validateReference for a `#id` reference, the element found by walking the
   * document; any other URI is left to xml-crypto. The ancestors of the referenced element are
   * read from it directly: xml-crypto finds it again with the same XPath, which selects it alone.
   */
  validateReference(this: Internals, ref: Reference, doc: Document): string | undefined {
    const uri = ref.uri?.[0] === '#' ? ref.uri.substring(1) : ref.uri;
    if (!uri || uri.includes("'") || doc?.nodeType !== DOCUMENT_NODE) return superMethod('validateReference').call(this, ref, doc) as string | undefined;
    let count = 0;
    let element: Element | undefined;
    for (const name of this.idAttributes) {
      const carriers = elementsCarrying(doc, name, uri);
      if (carriers.length === 0) continue;
      count += carriers.length;
      if (count > 1) {
        throw new Error(
          'Cannot validate a document which contains multiple elements with the same value for the ID / Id / Id attributes, in order to prevent signature wrapping attack.',
        );
      }
      element = carriers[0];
      ref.xpath = `//*[@*[local-name(.)='${name}']='${uri}']`;
    }
    if (!element) {
      ref.validationError = new Error(`invalid signature: the signature references an element with uri ${ref.uri} but could not find such element in the xml`);
      return undefined;
    }
    if (Array.isArray(ref.transforms)) ref.ancestorNamespaces = findAncestorNsForElement(element as never);
    const options = { inclusiveNamespacesPrefixList: ref.inclusiveNamespacesPrefixList, ancestorNamespaces: ref.ancestorNamespaces };
    const canonXml = this.canonicalize(ref.transforms, element, options, { discardComments: ref.uri === '' || ref.uri!.startsWith('#') });
    const digest = this.findHashAlgorithm(ref.digestAlgorithm).getHash(canonXml);
    if (!validateDigestValue(digest, ref.digestValue as never)) {
      ref.validationError = new Error(`invalid signature: for uri ${ref.uri} calculated digest is ${digest} but the xml to validate supplies digest ${ref.digestValue}`);
      return undefined;
    }
    return canonXml;
  },

  /** xml-crypto's findLoadedSignature; the candidates are `.//*[local-name(.)='Signature' and namespace-uri(.)=DS_NS]`. */
  findLoadedSignature(this: Internals, node: Node): Node | null {
    const doc = node.ownerDocument ?? node;
    if (this.signatureNode == null || this.signatureNode.ownerDocument === doc) return this.signatureNode;
    const signatureValueOf = (signature: Node) => (findChildren(signature as never, 'SignatureValue')[0] as unknown as Element | undefined)?.textContent;
    const signatureValue = signatureValueOf(this.signatureNode);
    if (!signatureValue) return null;
    const matches = [...descendantElementsNamed(doc, 'Signature')].filter((each) => each.namespaceURI === DS_NS && signatureValueOf(each) === signatureValue);
    if (matches.length > 1) {
      throw new Error(
        'Cannot validate a document which contains multiple Signature elements with the same SignatureValue, in order to prevent signature wrapping attack.',
      );
    }
    return matches[0] ?? null;
  },
};

Object.assign(DirectLookupSignedXml.prototype, overrides);
