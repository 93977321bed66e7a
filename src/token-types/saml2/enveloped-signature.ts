/**
 * The rules every enveloped XML signature the STS verifies is held to, whatever it signs (a SAML
 * Assertion, an SP's metadata, an AuthnRequest, a Response): the signed element's ID is carried by
 * no other element; the signature's shape is checked before any cryptography (one SignedInfo with
 * one Reference to that ID, known-good algorithms only); it is verified with xml-crypto against
 * the configured keys only (never the document's KeyInfo); and the caller gets the element as
 * xml-crypto verified it, the canonical XML of the signed reference parsed anew, so unsigned
 * content (a wrapped element, a comment) cannot reach what the caller reads.
 */
import type { Element } from '@xmldom/xmldom';
import type { KeyObject } from 'node:crypto';
import type { SignedXml } from 'xml-crypto';
import { DS_NS } from './assertion-namespaces';
import { DirectLookupSignedXml } from './direct-lookup-signed-xml';
import { ECDSA_ALGORITHMS, withEcdsa } from './xml-ecdsa';
import { childElements, elementsOf } from './xml-elements';
import { parseStrictXml } from './xml-safety';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
/** RSASSA-PSS with SHA-256 (RFC 6931 2.3.10). */
const RSA_PSS_SHA256 = 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1';
/** What xml-crypto (with the ECDSA methods of xml-ecdsa.ts) can verify and we accept. */
const SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  RSA_PSS_SHA256,
  ...ECDSA_ALGORITHMS,
]);
const DIGEST_ALGORITHMS: ReadonlySet<string> = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
/** SHA-1 and MD5 in any combination: refused as weak rather than unknown. */
const WEAK = /(sha1|md5)(?![0-9])/i;
/** The attribute names xml-crypto treats as IDs by default. */
const ID_NAMES: ReadonlySet<string> = new Set(['ID', 'Id', 'id']);
/** An xs:ID (an NCName), ASCII only and of a sane length. */
const XS_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** Why a signature is refused; `weak` for SHA-1 or MD5, which callers report with their own code. */
export class SignatureRefusedError extends Error {
  constructor(
    message: string,
    readonly weak = false,
  ) {
    super(message);
  }
}

export interface SignedElementRules {
  /** How messages name the signed element: `Assertion`, `AuthnRequest`. */
  readonly name: string;
  /**
   * Inclusive canonicalization (SignedInfo and Reference) besides exclusive: some SP software
   * signs its metadata and requests that way. Assertions are held to exclusive only.
   */
  readonly inclusiveC14n: boolean;
}

/** The signed element's ID, once it is known that no other element of its document carries that value. */
export function signedIdOf(element: Element, name: string): string {
  const id = element.getAttribute('ID') ?? '';
  if (!XS_ID.test(id)) throw new SignatureRefusedError(`The ${name} has no usable ID attribute.`);
  // Any attribute named ID, Id or id, in any namespace, as xml-crypto counts them by default: only
  // the element's own ID may carry the value (verifySignedElement then lets xml-crypto look at ID alone).
  let carriers = 0;
  for (const each of elementsOf(element.ownerDocument!.documentElement!)) {
    for (let i = 0; i < each.attributes.length; i++) {
      const attribute = each.attributes.item(i)!;
      if (attribute.value === id && ID_NAMES.has(attribute.localName ?? attribute.name)) carriers++;
    }
  }
  if (carriers !== 1) throw new SignatureRefusedError(`Several elements carry the ${name}'s ID.`);
  return id;
}

/** One SignedInfo, one enveloped Reference to `id`, only known-good algorithms and transforms. */
export function checkSignatureShape(signature: Element, id: string, rules: SignedElementRules): void {
  const canonicalizations: ReadonlySet<string> = new Set(rules.inclusiveC14n ? [EXC_C14N, C14N] : [EXC_C14N]);
  onlyChildren(signature, ['SignedInfo', 'SignatureValue', 'KeyInfo']);
  const signedInfo = single(signature, 'SignedInfo');
  single(signature, 'SignatureValue');
  onlyChildren(signedInfo, ['CanonicalizationMethod', 'SignatureMethod', 'Reference']);
  algorithmOf(single(signedInfo, 'CanonicalizationMethod'), canonicalizations, 'canonicalization');
  algorithmOf(single(signedInfo, 'SignatureMethod'), SIGNATURE_ALGORITHMS, 'signature');
  const reference = single(signedInfo, 'Reference');
  if (reference.getAttribute('URI') !== `#${id}`) throw new SignatureRefusedError(`The signature does not reference the ${rules.name} it is in.`);
  onlyChildren(reference, ['Transforms', 'DigestMethod', 'DigestValue']);
  const transforms = childElements(reference, DS_NS, 'Transforms');
  if (transforms.length > 1) throw new SignatureRefusedError('The Reference has several Transforms.');
  const list = transforms.flatMap((transformList) => {
    onlyChildren(transformList, ['Transform']);
    return childElements(transformList, DS_NS, 'Transform');
  });
  for (const transform of list) algorithmOf(transform, new Set([ENVELOPED, ...canonicalizations]), 'transform');
  // Without the enveloped transform the signature would sign itself and never verify; say so plainly.
  if (!list.some((transform) => transform.getAttribute('Algorithm') === ENVELOPED)) {
    throw new SignatureRefusedError('The signature is not enveloped (no enveloped-signature transform).');
  }
  algorithmOf(single(reference, 'DigestMethod'), DIGEST_ALGORITHMS, 'digest');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(textContentOnly(single(reference, 'DigestValue'), 'DigestValue'))) {
    throw new SignatureRefusedError('The DigestValue is not base64.');
  }
}

/**
 * Verifies `signature` (shape already checked) over `signed` with each of `keys` of the signature
 * method's family and returns the element exactly as signed, or undefined when no key verifies.
 * Both are in the document the caller parsed and checked, unchanged since.
 */
export function verifySignedElement(signature: Element, signed: Element, keys: readonly KeyObject[], name: string): Element | undefined {
  const method = single(single(signature, 'SignedInfo'), 'SignatureMethod').getAttribute('Algorithm') ?? '';
  // An EC key never checks a value labelled RSA, nor an RSA key one labelled ECDSA.
  const keyType = ECDSA_ALGORITHMS.has(method) ? 'ec' : 'rsa';
  for (const key of keys.filter((each) => each.asymmetricKeyType === keyType)) {
    const publicCert = method === RSA_PSS_SHA256 ? pemOf(key) : key;
    const verifier = withEcdsa(new DirectLookupSignedXml({ publicCert, getCertFromKeyInfo: () => null }));
    // signedIdOf refused any other ID/Id/id attribute with the element's ID value, so the
    // default three whole-document XPath scans for the reference (one per name) can be one.
    verifier.idAttributes = ['ID'];
    let signedReferences: string[];
    try {
      verifier.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
      if (verifier.checkDocumentSignature(signed.ownerDocument!) !== true) continue;
      signedReferences = verifier.getSignedReferences();
    } catch {
      continue;
    }
    if (signedReferences.length !== 1) throw new SignatureRefusedError('The signature must cover exactly one reference.');
    const asSigned = parseStrictXml(signedReferences[0]).documentElement!;
    if (asSigned.namespaceURI !== signed.namespaceURI || asSigned.localName !== signed.localName || asSigned.getAttribute('ID') !== signed.getAttribute('ID')) {
      throw new SignatureRefusedError(`The signed reference is not the ${name}.`);
    }
    return asSigned;
  }
  return undefined;
}

/** Configured keys as PEM, exported once each. */
const pems = new WeakMap<KeyObject, string>();

/** xml-crypto's RSA-PSS method takes keys as PEM text only (a KeyObject throws, and would read as "does not verify"). */
function pemOf(key: KeyObject): string {
  let pem = pems.get(key);
  if (pem === undefined) pems.set(key, (pem = key.export({ type: 'spki', format: 'pem' }) as string));
  return pem;
}

/**
 * The text of an element made of text only: element children, comments and processing
 * instructions refused (a comment could split a value the signature covers as one).
 */
export function textContentOnly(element: Element, what: string): string {
  let text = '';
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) text += child.nodeValue ?? '';
    else throw new SignatureRefusedError(`${what} must contain text only.`);
  }
  return text;
}

function single(parent: Element, localName: string): Element {
  const found = childElements(parent, DS_NS, localName);
  if (found.length !== 1) throw new SignatureRefusedError(`The signature must have exactly one ${localName} in ${parent.localName}; it has ${found.length}.`);
  return found[0];
}

function onlyChildren(parent: Element, allowed: readonly string[]): void {
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE && !(child.nodeValue ?? '').trim()) continue;
    const element = child as Element;
    if (child.nodeType !== ELEMENT_NODE || element.namespaceURI !== DS_NS || !allowed.includes(element.localName ?? '')) {
      throw new SignatureRefusedError(`Unexpected content in the signature's ${parent.localName}.`);
    }
  }
}

function algorithmOf(element: Element, accepted: ReadonlySet<string>, what: string): string {
  const algorithm = element.getAttribute('Algorithm') ?? '';
  if (accepted.has(algorithm)) return algorithm;
  if (WEAK.test(algorithm)) throw new SignatureRefusedError(`The ${what} algorithm ${algorithm} is too weak; SHA-256 or stronger is required.`, true);
  throw new SignatureRefusedError(`The ${what} algorithm ${algorithm || '(none)'} is not supported.`);
}
