/**
 * Finds the one assertion of a SAML document, checks the shape of its enveloped signature before
 * any cryptography, verifies it with xml-crypto against the configured IdP keys only, and returns
 * the assertion as xml-crypto verified it: the canonical XML of the signed reference, parsed
 * anew. Nothing is ever read from the submitted document after this point, so unsigned content
 * (a wrapped or injected assertion, a comment splitting a NameID) cannot reach the identity.
 */
import type { Document, Element } from '@xmldom/xmldom';
import type { KeyObject } from 'node:crypto';
import { InvalidTokenError } from '../../errors/sts-errors';
import { DS_NS, SAML_NS, SAMLP_NS } from './assertion-namespaces';
import { checkSignatureShape, SignatureRefusedError, signedIdOf, textContentOnly, verifySignedElement } from './enveloped-signature';
import { childElements, elementsOf } from './xml-elements';
import { parseStrictXml } from './xml-safety';

export const NS = { ASSERTION: SAML_NS, PROTOCOL: SAMLP_NS, DSIG: DS_NS } as const;

/** Assertions are held to exclusive canonicalization, as the SAML profiles use it. */
const ASSERTION_RULES = { name: 'Assertion', inclusiveC14n: false } as const;

const PROCESSING_INSTRUCTION_NODE = 7;
const COMMENT_NODE = 8;

export function signatureInvalid(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_signature_invalid' });
}

function unsigned(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_assertion_unsigned' });
}

/** Runs a check of enveloped-signature.ts, its refusal as a 401: saml_weak_algorithm or saml_signature_invalid. */
function refusedAs401<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof SignatureRefusedError)) throw error;
    throw error.weak ? new InvalidTokenError(error.message, { code: 'saml_weak_algorithm' }) : signatureInvalid(error.message);
  }
}

/**
 * The text of an element made of text only: element children refused, comments and processing
 * instructions refused (a comment could split a value the signature covers as one).
 */
export function textOnly(element: Element, what: string): string {
  return refusedAs401(() => textContentOnly(element, what));
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
  return locateAssertionIn(parseStrictXml(xml));
}

/** {@link locateAssertion} in a document already parsed with parseStrictXml. */
export function locateAssertionIn(document: Document): PendingAssertion {
  const root = document.documentElement!;
  let assertion: Element;
  if (root.namespaceURI === NS.ASSERTION && root.localName === 'Assertion') {
    assertion = root;
  } else if (root.namespaceURI === NS.PROTOCOL && root.localName === 'Response') {
    const assertions = childElements(root, NS.ASSERTION, 'Assertion');
    // Assertions in clear only: the validator decrypts an EncryptedAssertion before it gets here.
    if (childElements(root, NS.ASSERTION, 'EncryptedAssertion').length > 0) {
      throw new InvalidTokenError('The Response carries an EncryptedAssertion, which must be decrypted first.', { code: 'saml_assertion_encrypted' });
    }
    if (assertions.length !== 1) throw signatureInvalid(`The Response must contain exactly one Assertion; it contains ${assertions.length}.`);
    assertion = assertions[0];
  } else {
    throw new InvalidTokenError('The SAML document is neither a saml:Assertion nor a samlp:Response.', { code: 'malformed_saml' });
  }

  // Exactly one Assertion and one assertion signature in the whole document: nothing to wrap.
  const all = elementsOf(root);
  const assertionCount = all.filter((element) => element.namespaceURI === NS.ASSERTION && element.localName === 'Assertion').length;
  if (assertionCount !== 1) throw signatureInvalid(`The document must contain exactly one Assertion; it contains ${assertionCount}.`);
  const signatures = all.filter((element) => element.namespaceURI === NS.DSIG && element.localName === 'Signature');

  const id = refusedAs401(() => signedIdOf(assertion, ASSERTION_RULES.name));

  for (const element of elementsOf(assertion)) {
    for (let child = element.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === COMMENT_NODE || child.nodeType === PROCESSING_INSTRUCTION_NODE) {
        throw signatureInvalid('The Assertion contains XML comments or processing instructions, which are never accepted.');
      }
    }
  }

  const own = childElements(assertion, NS.DSIG, 'Signature');
  if (own.length === 0) {
    throw unsigned(root === assertion ? 'The Assertion is not signed.' : 'The Assertion is not signed; a signature on the Response alone is not accepted.');
  }
  if (own.length > 1) throw signatureInvalid('The Assertion has several signatures.');
  const signature = own[0];
  const allowed = root === assertion ? [signature] : [signature, ...childElements(root, NS.DSIG, 'Signature')];
  if (signatures.some((element) => !allowed.includes(element))) throw signatureInvalid('The document contains a signature in an unexpected place.');
  refusedAs401(() => checkSignatureShape(signature, id, ASSERTION_RULES));

  const issuers = childElements(assertion, NS.ASSERTION, 'Issuer');
  if (issuers.length !== 1) throw signatureInvalid('The Assertion must have exactly one Issuer.');
  return { document, assertion, id, claimedIssuer: textOnly(issuers[0], 'Issuer').trim(), signature };
}

/**
 * Verifies the signature with each configured key of the issuer (never KeyInfo) and returns the
 * Assertion exactly as signed: xml-crypto's canonical XML of the one verified reference.
 */
export function verifyAssertion(pending: PendingAssertion, keys: readonly KeyObject[]): Element {
  const signed = refusedAs401(() => verifySignedElement(pending.signature, pending.assertion, keys, ASSERTION_RULES.name));
  if (!signed) throw signatureInvalid('The Assertion signature does not verify with any certificate configured for its issuer.');
  return signed;
}
