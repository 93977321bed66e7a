/**
 * A samlp:Response (saml-core-2.0-os 3.3.3, 3.2.2) around an assertion as issued: signed,
 * encrypted or plain. Status Success; Destination is where the SP receives it (saml-bindings 3.5.5.2
 * requires it on a signed Response sent by the HTTP-POST binding); InResponseTo names the SP's
 * AuthnRequest in SP-initiated SSO. Built with the DOM API; the assertion is imported as a node, so
 * its signature's canonical form is unchanged.
 */
import { DOMImplementation, DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { randomSamlId, samlTime } from './assertion-builder';
import { SAML_NS, SAMLP_NS, STATUS_SUCCESS, XMLNS_NS } from './assertion-namespaces';

export interface ResponseInput {
  readonly issuer: string;
  /** The ACS URL the Response is posted to. */
  readonly destination: string;
  readonly inResponseTo?: string;
  /** A saml:Assertion or saml:EncryptedAssertion document, as text. */
  readonly assertionXml: string;
  /** Defaults to the current time. */
  readonly now?: Date;
}

/** The Response document as text, unsigned. */
export function buildResponse(input: ResponseInput): string {
  const doc = new DOMImplementation().createDocument(SAMLP_NS, 'samlp:Response', null);
  const response = doc.documentElement!;
  response.setAttributeNS(XMLNS_NS, 'xmlns:samlp', SAMLP_NS);
  response.setAttributeNS(XMLNS_NS, 'xmlns:saml', SAML_NS);
  response.setAttribute('ID', randomSamlId());
  if (input.inResponseTo !== undefined) response.setAttribute('InResponseTo', input.inResponseTo);
  response.setAttribute('Version', '2.0');
  response.setAttribute('IssueInstant', samlTime(input.now ?? new Date()));
  response.setAttribute('Destination', input.destination);

  const issuer = response.appendChild(doc.createElementNS(SAML_NS, 'saml:Issuer'));
  issuer.appendChild(doc.createTextNode(input.issuer));
  const status = response.appendChild(doc.createElementNS(SAMLP_NS, 'samlp:Status'));
  const code = doc.createElementNS(SAMLP_NS, 'samlp:StatusCode');
  code.setAttribute('Value', STATUS_SUCCESS);
  status.appendChild(code);

  const assertion = new DOMParser().parseFromString(input.assertionXml, 'text/xml').documentElement!;
  response.appendChild(doc.importNode(assertion, true));
  return new XMLSerializer().serializeToString(doc);
}
