/**
 * An SP's AuthnRequest (saml-core 3.4.1) carried in output_token_state.authn_request (HTTP-POST
 * binding) or output_token_state.authn_request_query (HTTP-Redirect binding), read and checked
 * against the SP's description: the facts the Response answers it with. Untrusted input: size caps
 * before decoding, a capped inflate, a strict parse without DTDs, and when signed, everything is
 * read from what the signature covers.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { InvalidRequestError, isStsError } from '../../errors/sts-errors';
import { readRedirectBinding } from './authn-request-redirect';
import { rootSignatureOf, verifyRootSignature } from './enveloped-root-signature';
import { SignatureRefusedError } from './enveloped-signature';
import { HTTP_POST_BINDING } from './assertion-namespaces';
import type { ServiceProvider } from './service-provider';
import { NS } from './validation-signature';
import { childElements } from './xml-elements';
import { isSamlId } from './xml-names';
import { decodeSamlDocument, parseStrictXml } from './xml-safety';

export interface AuthnRequestFacts {
  /** The request's ID: the Response's and the bearer confirmation's InResponseTo. */
  readonly id: string;
  /** Where the Response goes: the requested ACS (URL or index), one of the SP's, else the SP's default. */
  readonly assertionConsumerServiceUrl: string;
  /** NameIDPolicy/@Format when the request names one. */
  readonly nameIdFormat?: string;
}

/**
 * How the SP sent it: HTTP-POST binding (`message`: the SAMLRequest form value, base64 of the XML,
 * or the XML itself; a signature is enveloped) or HTTP-Redirect binding (`query`: the query string
 * exactly as received, `SAMLRequest=...&RelayState=...&SigAlg=...&Signature=...`; a signature
 * covers the query string).
 */
export type AuthnRequestInput = { readonly binding: 'post'; readonly message: string } | { readonly binding: 'redirect'; readonly query: string };

export interface AuthnRequestOptions {
  /** Clock, for tests; default now. */
  readonly now?: () => Date;
  /** How old IssueInstant may be; default 600 (the user logs in between the SP's redirect and the token). */
  readonly maxAgeSeconds?: number;
  /** When set, a Destination in the request must equal it (this IdP's single sign-on URL). */
  readonly destination?: string;
}

/** Larger XML is refused: an AuthnRequest is a few kilobytes, signed. */
const MAX_AUTHN_REQUEST_BYTES = 32 * 1024;
const DEFAULT_MAX_AGE_SECONDS = 600;
/** How far in the future IssueInstant may be (the SP's clock running ahead). */
const AUTHN_REQUEST_CLOCK_SKEW_SECONDS = 180;
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const SAML_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** A 400 with one of the stable authn_request_* codes. */
export function authnRequestError(code: string, message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code });
}

/** Reads and checks the request; every refusal is a 400 with an `authn_request_*` code. */
export function readAuthnRequest(request: AuthnRequestInput, sp: ServiceProvider, options: AuthnRequestOptions = {}): AuthnRequestFacts {
  let element: Element;
  if (request.binding === 'post') {
    element = fromPost(request.message, sp);
  } else {
    const { xml, signed } = readRedirectBinding(request.query, MAX_AUTHN_REQUEST_BYTES, sp.signingCertificates);
    element = fromRedirect(xml, signed, sp);
  }
  return factsOf(element, sp, options);
}

function parse(xml: string): Document {
  try {
    return parseStrictXml(xml);
  } catch (error) {
    throw asMalformed(error);
  }
}

function asMalformed(error: unknown): unknown {
  if (!isStsError(error)) return error;
  const code = error.code === 'saml_document_too_large' ? 'authn_request_too_large' : 'authn_request_malformed';
  return authnRequestError(code, error.message.replace('The SAML document', 'The AuthnRequest'));
}

function rootOf(xml: string): Document {
  const document = parse(xml);
  const root = document.documentElement!;
  if (root.namespaceURI !== NS.PROTOCOL || root.localName !== 'AuthnRequest') {
    throw authnRequestError('authn_request_malformed', `The document is a ${root.localName}, not a samlp:AuthnRequest.`);
  }
  return document;
}

function signatureError(error: unknown): unknown {
  if (!(error instanceof SignatureRefusedError)) return error;
  return error.weak
    ? authnRequestError('authn_request_weak_algorithm', `The AuthnRequest's signature is refused: ${error.message}`)
    : authnRequestError('authn_request_signature_invalid', `The AuthnRequest's signature is refused: ${error.message}`);
}

/** POST binding: an enveloped signature, required when the SP signs its requests, verified whenever it can be. */
function fromPost(message: string, sp: ServiceProvider): Element {
  let xml: string;
  try {
    xml = decodeSamlDocument(message, MAX_AUTHN_REQUEST_BYTES);
  } catch (error) {
    throw asMalformed(error);
  }
  const document = rootOf(xml);
  try {
    const signature = rootSignatureOf(document);
    if (!signature) {
      if (sp.authnRequestsSigned) throw authnRequestError('authn_request_unsigned', 'The SP signs its AuthnRequests (AuthnRequestsSigned), but this one is not signed.');
      return document.documentElement!;
    }
    // A signature the SP gave no certificate for cannot be checked; it is then no signature at all.
    if (sp.signingCertificates.length === 0) return document.documentElement!;
    return verifyRootSignature(document, signature, sp.signingCertificates.map((certificate) => certificate.publicKey));
  } catch (error) {
    throw signatureError(error);
  }
}

/** Redirect binding: the signature is in the query (checked by readRedirectBinding); the XML must carry none. */
function fromRedirect(xml: string, signed: boolean, sp: ServiceProvider): Element {
  const document = rootOf(xml);
  try {
    if (rootSignatureOf(document)) {
      throw authnRequestError('authn_request_malformed', 'An AuthnRequest sent with the HTTP-Redirect binding carries its signature in the query, not in the XML.');
    }
  } catch (error) {
    throw signatureError(error);
  }
  if (!signed && sp.authnRequestsSigned) {
    throw authnRequestError('authn_request_unsigned', 'The SP signs its AuthnRequests (AuthnRequestsSigned), but this query has no SigAlg and Signature.');
  }
  return document.documentElement!;
}

function factsOf(request: Element, sp: ServiceProvider, options: AuthnRequestOptions): AuthnRequestFacts {
  const malformed = (why: string) => authnRequestError('authn_request_malformed', `The AuthnRequest ${why}.`);
  if (request.getAttribute('Version') !== '2.0') throw malformed('is not SAML Version 2.0');
  const id = request.getAttribute('ID') ?? '';
  if (!isSamlId(id)) throw malformed('has no ID, or its ID is not a valid xs:ID');
  checkIssueInstant(request.getAttribute('IssueInstant'), options);

  const issuers = childElements(request, NS.ASSERTION, 'Issuer');
  if (issuers.length !== 1) throw malformed('must name its Issuer (the SP) exactly once');
  const format = issuers[0].getAttribute('Format');
  if (format && format !== ENTITY_FORMAT) throw malformed(`Issuer has Format ${format}; an SP is named by an entity ID`);
  const issuer = (issuers[0].textContent ?? '').trim();
  if (issuer !== sp.entityId) {
    throw authnRequestError('authn_request_issuer_mismatch', `The AuthnRequest is from ${issuer || '(nobody)'}, not from this instance's SP ${sp.entityId}.`);
  }

  const destination = request.getAttribute('Destination');
  if (options.destination !== undefined && destination && destination !== options.destination) {
    throw authnRequestError('authn_request_destination_mismatch', `The AuthnRequest is addressed to ${destination}, not to ${options.destination}.`);
  }
  const binding = request.getAttribute('ProtocolBinding');
  if (binding && binding !== HTTP_POST_BINDING) {
    throw authnRequestError('authn_request_binding_unsupported', `The AuthnRequest asks for the Response by ${binding}; only ${HTTP_POST_BINDING} is offered.`);
  }

  const policies = childElements(request, NS.PROTOCOL, 'NameIDPolicy');
  if (policies.length > 1) throw malformed('has several NameIDPolicy elements');
  const nameIdFormat = policies[0]?.getAttribute('Format') || undefined;
  return { id, assertionConsumerServiceUrl: acsUrlOf(request, sp), ...(nameIdFormat && { nameIdFormat }) };
}

function checkIssueInstant(value: string | null, options: AuthnRequestOptions): void {
  if (!value || !SAML_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw authnRequestError('authn_request_malformed', 'The AuthnRequest has no IssueInstant in UTC (YYYY-MM-DDThh:mm:ssZ).');
  }
  const issued = Date.parse(value);
  const now = (options.now ?? (() => new Date()))().getTime();
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (issued < now - maxAgeSeconds * 1000) {
    throw authnRequestError('authn_request_expired', `The AuthnRequest was issued at ${value}, more than ${maxAgeSeconds} seconds ago.`);
  }
  if (issued > now + AUTHN_REQUEST_CLOCK_SKEW_SECONDS * 1000) {
    throw authnRequestError('authn_request_not_yet_valid', `The AuthnRequest's IssueInstant ${value} is in the future (more than ${AUTHN_REQUEST_CLOCK_SKEW_SECONDS} seconds ahead).`);
  }
}

/** The ACS the request names, only ever one the SP's description lists (no open redirect), else the SP's default. */
function acsUrlOf(request: Element, sp: ServiceProvider): string {
  const url = request.getAttribute('AssertionConsumerServiceURL');
  const index = request.getAttribute('AssertionConsumerServiceIndex');
  if (url && index) {
    throw authnRequestError('authn_request_malformed', 'The AuthnRequest names its ACS both by URL and by index; saml-core allows one.');
  }
  if (url) {
    if (!sp.assertionConsumerServices.some((service) => service.url === url)) {
      throw authnRequestError('authn_request_acs_unknown', `The AuthnRequest asks for the Response at ${url}, which is not one of the SP's assertion consumer services.`);
    }
    return url;
  }
  if (index) {
    const found = /^\d{1,5}$/.test(index) ? sp.assertionConsumerServices.find((service) => service.index === Number(index)) : undefined;
    if (!found) throw authnRequestError('authn_request_acs_unknown', `The AuthnRequest names ACS index ${index}, which the SP's metadata does not list.`);
    return found.url;
  }
  return sp.assertionConsumerServices[0].url;
}
