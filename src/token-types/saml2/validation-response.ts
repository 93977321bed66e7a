/**
 * The envelope of a SAML document, looked at before any decryption or signature work: a bare
 * Assertion, a bare EncryptedAssertion, or a samlp:Response carrying exactly one of the two. A
 * Response must be addressed to this instance (Destination, when present) and report Success.
 * Nothing here is signed; it only decides what to open and refuses early what is refused anyway.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { InvalidTokenError } from '../../errors/sts-errors';
import { checkDestination } from './validation-recipient';
import { NS, signatureInvalid } from './validation-signature';
import { childElements } from './xml-elements';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface Envelope {
  /** The Response's InResponseTo; null for a bare assertion or when the Response has none. */
  readonly responseInResponseTo: string | null;
  /** The EncryptedAssertion to decrypt; undefined when the assertion is in clear. */
  readonly encryptedAssertion?: Element;
}

const quoted = (value: string) => JSON.stringify(value.trim().slice(0, 200));

function count(root: Element, localName: string): number {
  return root.getElementsByTagNameNS(NS.ASSERTION, localName).length;
}

export function openEnvelope(document: Document, recipients: readonly string[]): Envelope {
  const root = document.documentElement!;
  if (root.namespaceURI === NS.ASSERTION && root.localName === 'Assertion') return { responseInResponseTo: null };
  if (root.namespaceURI === NS.ASSERTION && root.localName === 'EncryptedAssertion') {
    if (count(root, 'Assertion') + count(root, 'EncryptedAssertion') > 0) throw signatureInvalid('The EncryptedAssertion contains another assertion.');
    return { responseInResponseTo: null, encryptedAssertion: root };
  }
  if (root.namespaceURI !== NS.PROTOCOL || root.localName !== 'Response') {
    throw new InvalidTokenError('The SAML document is neither a saml:Assertion, a saml:EncryptedAssertion nor a samlp:Response.', {
      code: 'malformed_saml',
    });
  }
  // Not covered by the assertion's signature, but a Response sent elsewhere or reporting a
  // failure is refused before any further work.
  checkDestination(root, recipients);
  checkStatus(root);
  const encrypted = childElements(root, NS.ASSERTION, 'EncryptedAssertion');
  const plain = childElements(root, NS.ASSERTION, 'Assertion');
  if (encrypted.length + plain.length !== 1) {
    throw signatureInvalid(
      `The Response must contain exactly one Assertion or EncryptedAssertion; it contains ${plain.length} Assertion and ${encrypted.length} EncryptedAssertion elements.`,
    );
  }
  const responseInResponseTo = root.getAttribute('InResponseTo');
  if (plain.length === 1) return { responseInResponseTo };
  // Anywhere else (Extensions, inside the EncryptedAssertion) an assertion is an attempt at wrapping.
  if (count(root, 'Assertion') > 0 || count(root, 'EncryptedAssertion') !== 1) {
    throw signatureInvalid('The Response contains an assertion outside its one EncryptedAssertion.');
  }
  return { responseInResponseTo, encryptedAssertion: encrypted[0] };
}

/** A Response that is not Success carries no usable assertion: say what the IdP reported. */
function checkStatus(response: Element): void {
  const statuses = childElements(response, NS.PROTOCOL, 'Status');
  const codes = statuses.length === 1 ? childElements(statuses[0], NS.PROTOCOL, 'StatusCode') : [];
  const value = codes.length === 1 ? codes[0].getAttribute('Value') : null;
  if (value === SUCCESS) return;
  if (value === null) {
    throw new InvalidTokenError('The Response has no single Status with a StatusCode.', { code: 'saml_status_not_success' });
  }
  const detail = childElements(codes[0], NS.PROTOCOL, 'StatusCode')[0]?.getAttribute('Value');
  const message = childElements(statuses[0], NS.PROTOCOL, 'StatusMessage')[0]?.textContent;
  throw new InvalidTokenError(
    `The IdP reports status ${quoted(value)}${detail ? ` (${quoted(detail)})` : ''}${message?.trim() ? `: ${quoted(message)}` : ''}, not Success.`,
    { code: 'saml_status_not_success' },
  );
}
