/**
 * Signs a JWT with a realm key: the compact serialisation jose's SignJWT makes (RFC 7515 7.1),
 * signed by node:crypto. The algorithm was checked against the key at load.
 */
import type { JWTPayload } from 'jose';
import { x5tOf } from './certificate-thumbprint';
import type { JwsAlgorithmName } from './jws-algorithms';
import { signatureSchemeOfJws } from './key-signer';
import { signJws } from './jws-signature';
import { configuredCertificate, type LoadedKey } from './loaded-key';

export interface JwtHeaderOptions {
  /** Omitted when empty. */
  readonly typ?: string;
  readonly includeKid?: boolean;
  /** Needs the key's certificate (checked at load). */
  readonly includeX5t?: boolean;
}

const base64url = (json: unknown): string => Buffer.from(JSON.stringify(json)).toString('base64url');

export async function signJwt(
  payload: JWTPayload,
  alg: JwsAlgorithmName,
  key: LoadedKey,
  { typ, includeKid = true, includeX5t = false }: JwtHeaderOptions = {},
): Promise<string> {
  // As jose: a time claim that is not a finite number would be written as null.
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[claim];
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`"${claim}" claim must be a finite number`);
  }
  const certificate = includeX5t ? configuredCertificate(key) : undefined;
  const header = { alg, ...(typ && { typ }), ...(includeKid && { kid: key.kid }), ...(certificate && { x5t: x5tOf(certificate) }) };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const input = Buffer.from(signingInput, 'ascii');
  // A key in a token signs there; every other key with node:crypto directly.
  const signature = key.signer ? await key.signer.sign(signatureSchemeOfJws(alg), input) : await signJws(alg, key.privateKey!, input);
  return `${signingInput}.${signature.toString('base64url')}`;
}
