/** Signs a JWT with a realm key through jose; the algorithm was checked against the key at load. */
import { SignJWT, type JWTPayload } from 'jose';
import type { JwsAlgorithmName } from './jws-algorithms';
import type { LoadedKey } from './loaded-key';

export interface JwtHeaderOptions {
  readonly typ?: string;
  readonly includeKid?: boolean;
}

export function signJwt(
  payload: JWTPayload,
  alg: JwsAlgorithmName,
  key: LoadedKey,
  { typ, includeKid = true }: JwtHeaderOptions = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg, ...(typ && { typ }), ...(includeKid && { kid: key.kid }) })
    .sign(key.privateKey);
}
