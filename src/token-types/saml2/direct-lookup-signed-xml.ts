/**
 * xml-crypto's SignedXml for verifying and signing, with the work it repeats done once:
 * - the look-ups it makes through the `xpath` package are done by walking the DOM: each override
 *   selects the nodes the XPath expression it replaces selects (quoted beside it), without
 *   compiling and running that expression on every call; those look-ups were half the cost of
 *   verifying an assertion. loadSignature also skips a reading of the references that
 *   checkSignature discards.
 * - checkDocumentSignature is checkSignature on the document the signature was loaded from (the one
 *   the caller parsed and checked), where checkSignature parses the text once more with its own
 *   copy of xmldom; the digest is then computed over the very nodes the caller's checks read.
 * - canonicalize leaves out xml-crypto's deep copy of the node when the steps cannot change the
 *   document (an enveloped signature taken out and put back, then one canonicalization without a
 *   prefix list); copying the DOM cost more than canonicalizing it.
 * Everything else (canonicalization, transforms, digests, the signature check, the wrapping
 * refusals) stays xml-crypto's. The methods replaced are private ones of xml-crypto 6.3, so the
 * spec beside this file pins that version and compares both classes on the same documents: read
 * the overrides against the new version's code before upgrading.
 */
import { DOMParser, type Attr, type Document, type Element, type Node } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { findAncestorNsForElement, findChildren, isDescendantOf, validateDigestValue } from 'xml-crypto/lib/utils';
import { DS_NS } from './assertion-namespaces';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const DOCUMENT_NODE = 9;
const INCLUSIVE_C14N = ['http://www.w3.org/TR/2001/REC-xml-c14n-20010315', 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments'];
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
/** Canonicalizations that only read the DOM when no prefix list is given (the #WithComments ones need the copy: comments are taken out of it). */
const READ_ONLY_C14N: ReadonlySet<string> = new Set([INCLUSIVE_C14N[0], 'http://www.w3.org/2001/10/xml-exc-c14n#']);

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
  signedReference?: string;
}
interface CanonicalizationOptions {
  inclusiveNamespacesPrefixList?: string[];
  defaultNsForPrefix?: Record<string, string>;
}
interface Internals {
  signatureNode: Node | null;
  references: Reference[];
  signedReferences: string[];
  publicCert?: unknown;
  privateKey?: unknown;
  signatureXml: string;
  signatureValue: string;
  canonicalizationAlgorithm: string;
  signatureAlgorithm: string;
  keyInfo: Node | null;
  idAttributes: string[];
  canonicalize(transforms: string[], node: Node, options: object, flags: { discardComments: boolean }): string;
  findHashAlgorithm(name: string): { getHash(xml: string): string };
  findSignatureAlgorithm(name: string): { verifySignature(material: string, key: unknown, signatureValue: string): boolean };
  findCanonicalizationAlgorithm(name: string): { process(node: Node, options: object): string | Node };
  getCanonXml(transforms: string[], node: Node, options?: object): string;
  getCanonSignedInfoXml(doc: Document): string;
  getCertFromKeyInfo(keyInfo: Node | null): string | null;
  loadReference(reference: Node): void;
  validateReference(ref: Reference, doc: Document): string | undefined;
  findLoadedSignature(node: Node): Node | null;
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

export class DirectLookupSignedXml extends SignedXml {
  /**
   * checkSignature (without a callback) on `document`, the document the node given to
   * loadSignature belongs to, as parsed and checked by the caller; it must not have been changed
   * since. True when it verifies; false or an error as checkSignature answers.
   */
  declare checkDocumentSignature: (document: Document) => boolean;
}

/** xml-crypto's own implementation of a method overridden here. */
function superMethod(name: string): (...args: unknown[]) => unknown {
  return (SignedXml.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
}

/** The CanonicalizationMethod of `node` (SignedInfo) names a prefix list: exclusive canonicalization would then add declarations to `node`. */
function namesPrefixList(node: Node): boolean {
  const method = findChildren(node as never, 'CanonicalizationMethod')[0] as unknown as Node | undefined;
  return method !== undefined && findChildren(method as never, 'InclusiveNamespaces').length > 0;
}

const overrides = {
  /** xml-crypto's checkSignature without a callback, its first step (parsing `xml` anew) left out: see checkDocumentSignature. */
  checkDocumentSignature(this: Internals, doc: Document): boolean {
    const earlierSignedReferences = this.signedReferences;
    this.signedReferences = [];
    this.references = [];
    const unverifiedSignedInfoCanon = this.getCanonSignedInfoXml(doc);
    if (!unverifiedSignedInfoCanon) throw new Error('Canonical signed info cannot be empty');
    const unverifiedSignedInfoDoc = new DOMParser().parseFromString(unverifiedSignedInfoCanon, 'text/xml').documentElement;
    if (!unverifiedSignedInfoDoc) throw new Error('Could not parse unverifiedSignedInfoCanon into a document');
    const references = findChildren(unverifiedSignedInfoDoc as never, 'Reference') as unknown as Node[];
    if (references.length === 0) throw new Error('could not find any Reference elements');
    for (const reference of references) this.loadReference(reference);
    const canonReferences: string[] = [];
    for (const ref of this.references) {
      const canonXml = this.validateReference(ref, doc);
      if (canonXml === undefined) return false;
      canonReferences.push(canonXml);
    }
    const signer = this.findSignatureAlgorithm(this.signatureAlgorithm);
    const key = this.getCertFromKeyInfo(this.keyInfo) || this.publicCert || this.privateKey;
    if (key == null) throw new Error('KeyInfo or publicCert or privateKey is required to validate signature');
    if (signer.verifySignature(unverifiedSignedInfoCanon, key, this.signatureValue) !== true) {
      throw new Error(`invalid signature: the signature value ${this.signatureValue} is incorrect`);
    }
    this.signedReferences = [...earlierSignedReferences, ...canonReferences];
    this.references.forEach((ref, index) => {
      ref.signedReference = canonReferences[index];
    });
    return true;
  },

  /**
   * xml-crypto's canonicalize without its deep copy when the steps are an optional enveloped
   * signature and then one canonicalization that only reads the DOM: the loaded signature, when
   * it is in `node`, is taken out for the canonicalization and put back in its place after,
   * whatever happens (while signing, it is not in the document yet, and nothing is taken out).
   * Anything else (other steps, a prefix list, whose namespaces exclusive canonicalization adds
   * to the node, an enveloped transform with no signature loaded, where xml-crypto takes out
   * whichever child is a signature) is left to xml-crypto.
   */
  canonicalize(this: Internals, transforms: string[], node: Node, options: CanonicalizationOptions, flags: { discardComments: boolean }): string {
    const enveloped = transforms[0] === ENVELOPED;
    const steps = enveloped ? transforms.slice(1) : transforms;
    const algorithm = steps.length === 0 ? INCLUSIVE_C14N[0] : steps[0];
    if (
      steps.length > 1 ||
      !READ_ONLY_C14N.has(algorithm) ||
      (options.inclusiveNamespacesPrefixList?.length ?? 0) > 0 ||
      namesPrefixList(node) ||
      (enveloped && this.signatureNode == null)
    ) {
      return superMethod('canonicalize').call(this, transforms, node, options, flags) as string;
    }
    const loaded = enveloped ? this.findLoadedSignature(node) : null;
    const signature = loaded && isDescendantOf(loaded as never, node as never) ? loaded : null;
    options.defaultNsForPrefix = options.defaultNsForPrefix ?? (SignedXml as unknown as { defaultNsForPrefix: Record<string, string> }).defaultNsForPrefix;
    const parent = signature?.parentNode;
    const next = signature?.nextSibling ?? null;
    if (signature) parent!.removeChild(signature);
    try {
      return this.findCanonicalizationAlgorithm(algorithm).process(node, options).toString();
    } finally {
      if (signature) parent!.insertBefore(signature, next);
    }
  },

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

  /**
   * xml-crypto's findLoadedSignature; the candidates are `.//*[local-name(.)='Signature' and
   * namespace-uri(.)=DS_NS]`. In the loaded signature's own document too, where xml-crypto returns
   * it at once: checkDocumentSignature then refuses a copy of it, as checkSignature does in its copy.
   */
  findLoadedSignature(this: Internals, node: Node): Node | null {
    const doc = node.ownerDocument ?? node;
    if (this.signatureNode == null) return null;
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
