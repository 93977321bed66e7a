/**
 * Reads `output_token_state.csr` (PEM PKCS#10) for output type X509: the field, the PEM block,
 * the structure, the strength of the public key, and (asynchronously) the self-signature that
 * proves the caller holds the private key.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject } from '../../plugin-api/json';
import { requiredString } from '../token-state-fields';
import { x509, x509Crypto } from './x509-library';

/** 16 KiB: a CSR with an RSA-16384 key and a few extensions fits with room to spare. */
export const MAX_CSR_LENGTH = 16 * 1024;
export const MIN_RSA_BITS = 2048;
/** Larger RSA keys are refused too: they only make every verification slower. */
export const MAX_RSA_BITS = 16384;

/** node curve name -> name in messages. */
const ACCEPTED_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const ACCEPTED_KEYS = `RSA of ${MIN_RSA_BITS} bits or more, EC P-256, P-384 or P-521, or Ed25519`;

const PEM_BLOCK = /-----BEGIN ((?:NEW )?CERTIFICATE REQUEST)-----([^-]*)-----END \1-----/g;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type CsrKeyType = 'rsa' | 'ec' | 'ed25519';

export interface CertificateRequest {
  readonly csr: x509.Pkcs10CertificateRequest;
  /** The CSR's public key (SubjectPublicKeyInfo), what the certificate certifies. */
  readonly publicKey: KeyObject;
  readonly keyType: CsrKeyType;
}

/** Synchronous and cheap: everything but the signature check. Throws a 400. */
export function readCertificateRequest(state: Readonly<JsonObject>): CertificateRequest {
  const text = requiredString(state, 'output_token_state', 'csr', MAX_CSR_LENGTH);
  const der = pemCsrDer(text);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch (cause) {
    throw csrError('output_token_state.csr is not a valid PKCS#10 certificate request.', cause);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (cause) {
    throw weakKey(`The public key of the CSR is of a type this STS does not accept or cannot be read; use ${ACCEPTED_KEYS}.`, cause);
  }
  return { csr, publicKey, keyType: acceptedKeyType(publicKey) };
}

/** Proof of possession: the CSR is signed by the private key of the public key it carries. */
export async function verifyCertificateRequest({ csr }: CertificateRequest): Promise<void> {
  let valid: boolean;
  try {
    valid = await csr.verify(x509Crypto);
  } catch (cause) {
    throw csrError('The signature of the CSR uses an algorithm this STS cannot check.', cause);
  }
  if (!valid) throw csrError('The signature of the CSR does not verify with its public key.');
}

/** The DER of the one PEM CERTIFICATE REQUEST block in `text` (text around it is ignored). */
function pemCsrDer(text: string): Buffer {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length !== 1) {
    throw new InvalidRequestError(
      blocks.length === 0
        ? 'output_token_state.csr must contain a PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----).'
        : 'output_token_state.csr must contain exactly one PEM certificate request.',
    );
  }
  const body = blocks[0][2].replace(/\s+/g, '');
  if (body.length === 0 || !BASE64.test(body)) {
    throw new InvalidRequestError('output_token_state.csr: the PEM certificate request is not valid base64.');
  }
  return Buffer.from(body, 'base64');
}

function acceptedKeyType(key: KeyObject): CsrKeyType {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw weakKey(`The CSR's RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required.`);
      if (bits > MAX_RSA_BITS) throw weakKey(`The CSR's RSA key has ${bits} bits; at most ${MAX_RSA_BITS} are accepted.`);
      const exponent = details.publicExponent ?? 0n;
      if (exponent < 3n || exponent % 2n === 0n) throw weakKey(`The CSR's RSA key has public exponent ${exponent}; it must be odd and at least 3.`);
      return 'rsa';
    }
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      if (!ACCEPTED_CURVES[curve]) throw weakKey(`The CSR's EC key is on curve ${curve}; accepted are P-256, P-384 and P-521.`);
      return 'ec';
    }
    case 'ed25519':
      return 'ed25519';
    case 'dsa':
      throw weakKey(`The CSR has a DSA key, which is not accepted; use ${ACCEPTED_KEYS}.`);
    default:
      throw weakKey(`The CSR has a ${key.asymmetricKeyType ?? 'unknown'} key, which is not accepted; use ${ACCEPTED_KEYS}.`);
  }
}

function csrError(message: string, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'invalid_csr', cause });
}

function weakKey(message: string, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'weak_key', cause });
}
