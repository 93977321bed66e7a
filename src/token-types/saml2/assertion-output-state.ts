/**
 * The SAML2 `output_token_state` (SPEC 4.1): `{subject_confirmation?: BEARER | SENDER_VOUCHES |
 * HOLDER_OF_KEY, proof_token_state?: {base64EncodedCertificate}}`, as PingAM's REST STS reads it.
 */
import { X509Certificate } from 'node:crypto';
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject } from '../../plugin-api/json';
import { SUBJECT_CONFIRMATION_METHODS, type SubjectConfirmation } from './assertion-namespaces';

/** A DER certificate this long in base64 is already far beyond any proof key's. */
const MAX_CERTIFICATE_BASE64 = 16_384;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface Saml2OutputState {
  readonly subjectConfirmation: SubjectConfirmation;
  /** HOLDER_OF_KEY only: the key the presenter must prove. */
  readonly proofCertificate?: X509Certificate;
}

export function readSaml2OutputState(state: Readonly<JsonObject>): Saml2OutputState {
  const requested = state.subject_confirmation === undefined ? 'BEARER' : state.subject_confirmation;
  if (typeof requested !== 'string' || !Object.hasOwn(SUBJECT_CONFIRMATION_METHODS, requested)) {
    throw new InvalidRequestError(
      `output_token_state.subject_confirmation must be one of ${Object.keys(SUBJECT_CONFIRMATION_METHODS).join(', ')}.`,
    );
  }
  const subjectConfirmation = requested as SubjectConfirmation;
  if (subjectConfirmation !== 'HOLDER_OF_KEY') return { subjectConfirmation };
  return { subjectConfirmation, proofCertificate: readProofCertificate(state.proof_token_state) };
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
