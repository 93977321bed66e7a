/**
 * The SAML2 `output_token_state` (SPEC 4.1): `{subject_confirmation?: BEARER | SENDER_VOUCHES |
 * HOLDER_OF_KEY, proof_token_state?: {base64EncodedCertificate}}`, as PingAM's REST STS reads it,
 * and what SP-initiated SSO adds: `token_form` and `encoding` (overriding the instance's), and
 * the SP's AuthnRequest, by its ID (`in_response_to`) or whole (`authn_request` as the HTTP-POST
 * binding carries it, `authn_request_query` as the HTTP-Redirect binding does).
 */
import { X509Certificate } from 'node:crypto';
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import { SAML2_ENCODINGS, SAML2_TOKEN_FORMS, type Saml2Encoding, type Saml2TokenForm } from './output-options';
import { SUBJECT_CONFIRMATION_METHODS, type SubjectConfirmation } from './assertion-namespaces';
import type { AuthnRequestInput } from './authn-request';
import { isSamlId, MAX_SAML_ID_LENGTH } from './xml-names';

/** A DER certificate this long in base64 is already far beyond any proof key's. */
const MAX_CERTIFICATE_BASE64 = 16_384;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface Saml2OutputState {
  readonly subjectConfirmation: SubjectConfirmation;
  /** HOLDER_OF_KEY only: the key the presenter must prove. */
  readonly proofCertificate?: X509Certificate;
  /** Absent: the instance's `token_form`. */
  readonly tokenForm?: Saml2TokenForm;
  /** Absent: the instance's `encoding`. */
  readonly encoding?: Saml2Encoding;
  /** The SP's AuthnRequest ID as the caller states it. */
  readonly inResponseTo?: string;
  /** The SP's AuthnRequest, read and checked when the token is made. */
  readonly authnRequest?: AuthnRequestInput;
}

/**
 * `requireSubjectConfirmation` (an instance's `pingam_compatibility`): no BEARER default, as
 * PingAM's SAML2TokenCreationState.fromJson refuses a state without subject_confirmation.
 */
export function readSaml2OutputState(state: Readonly<JsonObject>, { requireSubjectConfirmation = false } = {}): Saml2OutputState {
  if (requireSubjectConfirmation && state.subject_confirmation === undefined) {
    throw new InvalidRequestError(
      `output_token_state.subject_confirmation is required (${Object.keys(SUBJECT_CONFIRMATION_METHODS).join(', ')}): this instance reads requests as PingAM does.`,
      { code: 'subject_confirmation_required' },
    );
  }
  const requested = state.subject_confirmation === undefined ? 'BEARER' : state.subject_confirmation;
  if (typeof requested !== 'string' || !Object.hasOwn(SUBJECT_CONFIRMATION_METHODS, requested)) {
    throw new InvalidRequestError(
      `output_token_state.subject_confirmation must be one of ${Object.keys(SUBJECT_CONFIRMATION_METHODS).join(', ')}.`,
    );
  }
  const subjectConfirmation = requested as SubjectConfirmation;
  return {
    subjectConfirmation,
    ...(subjectConfirmation === 'HOLDER_OF_KEY' && { proofCertificate: readProofCertificate(state.proof_token_state) }),
    ...optional('tokenForm', oneOf(state.token_form, 'token_form', SAML2_TOKEN_FORMS)),
    ...optional('encoding', oneOf(state.encoding, 'encoding', SAML2_ENCODINGS)),
    ...optional('inResponseTo', readInResponseTo(state.in_response_to)),
    ...optional('authnRequest', readAuthnRequestInput(state)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function oneOf<T extends string>(value: JsonValue | undefined, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidRequestError(`output_token_state.${field} must be one of ${allowed.join(', ')}.`);
  }
  return value as T;
}

function readInResponseTo(value: JsonValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isSamlId(value)) {
    throw new InvalidRequestError(
      `output_token_state.in_response_to must be the SP's AuthnRequest ID: an xs:ID (an XML name without colons, starting with a letter or _) of at most ${MAX_SAML_ID_LENGTH} characters.`,
      { code: 'invalid_in_response_to' },
    );
  }
  return value;
}

function readAuthnRequestInput(state: Readonly<JsonObject>): AuthnRequestInput | undefined {
  const { authn_request: message, authn_request_query: query } = state;
  if (message !== undefined && query !== undefined) {
    throw new InvalidRequestError('output_token_state carries authn_request (HTTP-POST binding) or authn_request_query (HTTP-Redirect binding), not both.');
  }
  if (message !== undefined) {
    if (typeof message !== 'string' || message.length === 0) {
      throw new InvalidRequestError('output_token_state.authn_request must be the SAMLRequest form value (base64) or the AuthnRequest XML.');
    }
    return { binding: 'post', message };
  }
  if (query !== undefined) {
    if (typeof query !== 'string' || query.length === 0) {
      throw new InvalidRequestError('output_token_state.authn_request_query must be the query string the SP redirected with (SAMLRequest=...).');
    }
    return { binding: 'redirect', query };
  }
  return undefined;
}

function readProofCertificate(proof: JsonObject[string] | undefined): X509Certificate {
  if (typeof proof !== 'object' || proof === null || Array.isArray(proof)) {
    throw new InvalidRequestError('HOLDER_OF_KEY needs output_token_state.proof_token_state with base64EncodedCertificate.');
  }
  const encoded = proof.base64EncodedCertificate;
  if (typeof encoded !== 'string' || encoded.length === 0) {
    throw new InvalidRequestError('HOLDER_OF_KEY needs output_token_state.proof_token_state.base64EncodedCertificate.');
  }
  const compact = encoded.replace(/\s+/g, '');
  const invalid = () =>
    new InvalidRequestError('output_token_state.proof_token_state.base64EncodedCertificate is not a base64 DER X.509 certificate.', {
      code: 'invalid_proof_certificate',
    });
  if (compact.length > MAX_CERTIFICATE_BASE64 || !BASE64.test(compact)) throw invalid();
  const der = Buffer.from(compact, 'base64');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch (cause) {
    throw new InvalidRequestError(invalid().message, { code: 'invalid_proof_certificate', cause });
  }
  // No trailing bytes, no PEM smuggled through: exactly one DER certificate.
  if (!certificate.raw.equals(der)) throw invalid();
  return certificate;
}
