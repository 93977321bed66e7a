/**
 * Finds the one assertion of a SAML document, checks the shape of its enveloped signature before
 * any cryptography, verifies it with xml-crypto against the configured IdP keys only, and returns
 * the assertion as xml-crypto verified it: the canonical XML of the signed reference, parsed
 * anew. Nothing is ever read from the submitted document after this point, so unsigned content
 * (a wrapped or injected assertion, a comment splitting a NameID) cannot reach the identity.
 */
import type { Document, Element, Node } from '@xmldom/xmldom';
import type { KeyObject } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { InvalidTokenError } from '../../errors/sts-errors';
import { ECDSA_ALGORITHMS, withEcdsa } from './xml-ecdsa';
import { parseStrictXml } from './xml-safety';

export const NS = {
  ASSERTION: 'urn:oasis:names:tc:SAML:2.0:assertion',
  PROTOCOL: 'urn:oasis:names:tc:SAML:2.0:protocol',
  DSIG: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** What xml-crypto (with the ECDSA methods of xml-ecdsa.ts) can verify and we accept. */
const RSA_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
]);
const SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([...RSA_SIGNATURE_ALGORITHMS, ...ECDSA_ALGORITHMS]);
const DIGEST_ALGORITHMS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
/** SHA-1 and MD5 in any combination: refused with their own code. */
const WEAK = /(sha1|md5)(?![0-9])/i;

const ID_NAMES: ReadonlySet<string> = new Set(['ID', 'Id', 'id']);

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

export function signatureInvalid(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_signature_invalid' });
}

function unsigned(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_assertion_unsigned' });
}

export function childElements(parent: Node, namespace: string, localName?: string): Element[] {
  const found: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType !== ELEMENT_NODE) continue;
    const element = child as Element;
    if (element.namespaceURI === namespace && (localName === undefined || element.localName === localName)) found.push(element);
  }
  return found;
}

function descendants(root: Node, visit: (node: Node) => void): void {
  for (let child = root.firstChild; child; child = child.nextSibling) {
    visit(child);
    descendants(child, visit);
  }
}

/**
 * The text of an element made of text only: element children refused, comments and processing
 * instructions refused (a comment could split a value the signature covers as one).
 */
export function textOnly(element: Element, what: string): string {
  let text = '';
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) text += child.nodeValue ?? '';
    else throw signatureInvalid(`${what} must contain text only.`);
  }
  return text;
}

export interface PendingAssertion {
  readonly document: Document;
  readonly assertion: Element;
  readonly id: string;
  /** The Issuer as written in the (not yet verified) document: only chooses the keys to try. */
  readonly claimedIssuer: string;
  readonly signature: Element;
}

/** The one Assertion of a bare assertion or a Response, and the shape of its signature. */
export function locateAssertion(xml: string): PendingAssertion {
  const document = parseStrictXml(xml);
  const root = document.documentElement!;
  let assertion: Element;
  if (root.namespaceURI === NS.ASSERTION && root.localName === 'Assertion') {
    assertion = root;
  } else if (root.namespaceURI === NS.PROTOCOL && root.localName === 'Response') {
    const assertions = childElements(root, NS.ASSERTION, 'Assertion');
    if (childElements(root, NS.ASSERTION, 'EncryptedAssertion').length > 0) {
      throw new InvalidTokenError('Encrypted assertions are not accepted as input.', { code: 'saml_assertion_encrypted' });
    }
    if (assertions.length !== 1) throw signatureInvalid(`The Response must contain exactly one Assertion; it contains ${assertions.length}.`);
    assertion = assertions[0];
  } else {
    throw new InvalidTokenError('The SAML document is neither a saml:Assertion nor a samlp:Response.', { code: 'malformed_saml' });
  }

  // Exactly one Assertion and one assertion signature in the whole document: nothing to wrap.
  let assertionCount = root === assertion ? 1 : 0;
  const signatures: Element[] = [];
  const all: Element[] = [root];
  descendants(root, (node) => {
    if (node.nodeType !== ELEMENT_NODE) return;
    const element = node as Element;
    all.push(element);
    if (element.namespaceURI === NS.ASSERTION && element.localName === 'Assertion') assertionCount++;
    if (element.namespaceURI === NS.DSIG && element.localName === 'Signature') signatures.push(element);
  });
  if (assertionCount !== 1) throw signatureInvalid(`The document must contain exactly one Assertion; it contains ${assertionCount}.`);

  const id = assertion.getAttribute('ID') ?? '';
  if (!/^[A-Za-z_][\w.-]{0,255}$/.test(id)) throw signatureInvalid('The Assertion has no usable ID attribute.');
  // Any attribute named ID, Id or id in any namespace, as xml-crypto counts them by default: only
  // the Assertion's own ID may carry the value (verifyAssertion then lets xml-crypto look at ID alone).
  let sameId = 0;
  for (const element of all) {
    for (let i = 0; i < element.attributes.length; i++) {
      const attribute = element.attributes.item(i)!;
      if (attribute.value === id && ID_NAMES.has(attribute.localName ?? attribute.name)) sameId++;
    }
  }
  if (sameId !== 1) throw signatureInvalid('Several elements carry the Assertion ID.');

  descendants(assertion, (node) => {
    if (node.nodeType === COMMENT_NODE || node.nodeType === PROCESSING_INSTRUCTION_NODE) {
      throw signatureInvalid('The Assertion contains XML comments or processing instructions, which are never accepted.');
    }
  });

  const own = childElements(assertion, NS.DSIG, 'Signature');
  if (own.length === 0) {
    throw unsigned(root === assertion ? 'The Assertion is not signed.' : 'The Assertion is not signed; a signature on the Response alone is not accepted.');
  }
  if (own.length > 1) throw signatureInvalid('The Assertion has several signatures.');
  const signature = own[0];
  const allowed = root === assertion ? [signature] : [signature, ...childElements(root, NS.DSIG, 'Signature')];
  if (signatures.some((element) => !allowed.includes(element))) throw signatureInvalid('The document contains a signature in an unexpected place.');
  checkSignatureShape(signature, id);

  const issuers = childElements(assertion, NS.ASSERTION, 'Issuer');
  if (issuers.length !== 1) throw signatureInvalid('The Assertion must have exactly one Issuer.');
  return { document, assertion, id, claimedIssuer: textOnly(issuers[0], 'Issuer').trim(), signature };
}

function single(parent: Element, localName: string): Element {
  const found = childElements(parent, NS.DSIG, localName);
  if (found.length !== 1) throw signatureInvalid(`The signature must have exactly one ${localName} in ${parent.localName}; it has ${found.length}.`);
  return found[0];
}

function onlyChildren(parent: Element, allowed: readonly string[]): void {
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE && !(child.nodeValue ?? '').trim()) continue;
    const element = child as Element;
    if (child.nodeType !== ELEMENT_NODE || element.namespaceURI !== NS.DSIG || !allowed.includes(element.localName ?? '')) {
      throw signatureInvalid(`Unexpected content in the signature's ${parent.localName}.`);
    }
  }
}

function algorithmOf(element: Element, accepted: ReadonlySet<string>, what: string): string {
  const algorithm = element.getAttribute('Algorithm') ?? '';
  if (accepted.has(algorithm)) return algorithm;
  if (WEAK.test(algorithm)) {
    throw new InvalidTokenError(`The ${what} algorithm ${algorithm} is too weak; SHA-256 or stronger is required.`, { code: 'saml_weak_algorithm' });
  }
  throw signatureInvalid(`The ${what} algorithm ${algorithm || '(none)'} is not supported.`);
}

/** One SignedInfo, one Reference to the Assertion itself, only known-good algorithms and transforms. */
function checkSignatureShape(signature: Element, id: string): void {
  onlyChildren(signature, ['SignedInfo', 'SignatureValue', 'KeyInfo']);
  const signedInfo = single(signature, 'SignedInfo');
  single(signature, 'SignatureValue');
  onlyChildren(signedInfo, ['CanonicalizationMethod', 'SignatureMethod', 'Reference']);
  algorithmOf(single(signedInfo, 'CanonicalizationMethod'), new Set([EXC_C14N]), 'canonicalization');
  algorithmOf(single(signedInfo, 'SignatureMethod'), SIGNATURE_ALGORITHMS, 'signature');
  const reference = single(signedInfo, 'Reference');
  if (reference.getAttribute('URI') !== `#${id}`) throw signatureInvalid('The signature does not reference the Assertion it is in.');
  onlyChildren(reference, ['Transforms', 'DigestMethod', 'DigestValue']);
  const transforms = childElements(reference, NS.DSIG, 'Transforms');
  if (transforms.length > 1) throw signatureInvalid('The Reference has several Transforms.');
  for (const transformList of transforms) {
    onlyChildren(transformList, ['Transform']);
    for (const transform of childElements(transformList, NS.DSIG, 'Transform')) {
      algorithmOf(transform, new Set([ENVELOPED, EXC_C14N]), 'transform');
    }
  }
  algorithmOf(single(reference, 'DigestMethod'), DIGEST_ALGORITHMS, 'digest');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(textOnly(single(reference, 'DigestValue'), 'DigestValue'))) {
    throw signatureInvalid('The DigestValue is not base64.');
  }
}

/**
 * Verifies the signature with each configured key of the issuer (never KeyInfo) and returns the
 * Assertion exactly as signed: xml-crypto's canonical XML of the one verified reference.
 */
export function verifyAssertion(xml: string, pending: PendingAssertion, keys: readonly KeyObject[]): Element {
  // Only keys of the signature method's family are tried: an EC key never checks a value
  // labelled RSA, nor an RSA key one labelled ECDSA.
  const method = single(single(pending.signature, 'SignedInfo'), 'SignatureMethod').getAttribute('Algorithm') ?? '';
  const keyType = ECDSA_ALGORITHMS.has(method) ? 'ec' : 'rsa';
  for (const publicCert of keys.filter((key) => key.asymmetricKeyType === keyType)) {
    const verifier = withEcdsa(new SignedXml({ publicCert, getCertFromKeyInfo: () => null }));
    // locateAssertion refused any other ID/Id/id attribute with the Assertion's ID value, so the
    // default three whole-document XPath scans for the reference (one per name) can be one.
    verifier.idAttributes = ['ID'];
    let signedReferences: string[];
    try {
      verifier.loadSignature(pending.signature as unknown as Parameters<SignedXml["loadSignature"]>[0]);
      if (verifier.checkSignature(xml) !== true) continue;
      signedReferences = verifier.getSignedReferences();
    } catch {
      continue;
    }
    if (signedReferences.length !== 1) throw signatureInvalid('The signature must cover exactly one reference.');
    const signed = parseStrictXml(signedReferences[0]).documentElement!;
    if (signed.namespaceURI !== NS.ASSERTION || signed.localName !== 'Assertion' || signed.getAttribute('ID') !== pending.id) {
      throw signatureInvalid('The signed reference is not the Assertion.');
    }
    return signed;
  }
  throw signatureInvalid('The Assertion signature does not verify with any certificate configured for its issuer.');
}
