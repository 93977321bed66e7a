/** Signs a JWT with a realm key through jose; the algorithm was checked against the key at load. */
import { SignJWT, type JWTPayload } from 'jose';
import { x5tOf } from './certificate-thumbprint';
import type { JwsAlgorithmName } from './jws-algorithms';
import { configuredCertificate, type LoadedKey } from './loaded-key';

export interface JwtHeaderOptions {
  /** Omitted when empty. */
  readonly typ?: string;
  readonly includeKid?: boolean;
  /** Needs the key's certificate (checked at load). */
  readonly includeX5t?: boolean;
}

export function signJwt(
  payload: JWTPayload,
  alg: JwsAlgorithmName,
  key: LoadedKey,
  { typ, includeKid = true, includeX5t = false }: JwtHeaderOptions = {},
): Promise<string> {
  const certificate = includeX5t ? configuredCertificate(key) : undefined;
  return new SignJWT(payload)
    .setProtectedHeader({
      alg,
      ...(typ && { typ }),
      ...(includeKid && { kid: key.kid }),
      ...(certificate && { x5t: x5tOf(certificate) }),
    })
    .sign(key.privateKey);
}
