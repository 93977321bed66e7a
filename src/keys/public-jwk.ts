/** The public half of a key as an RFC 7517 JWK; never private or symmetric material. */
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { LoadedKey } from './loaded-key';

export function publicJwk(key: LoadedKey): JWK {
  if (!key.publicKey) throw new Error(`key ${key.kid} has no public half`);
  const { kty, n, e, crv, x, y } = key.publicKey.export({ format: 'jwk' });
  const jwk: JWK = { kty, kid: key.kid, use: key.use, ...(n && { n, e }), ...(crv && { crv, x }), ...(y && { y }) };
  if (key.certificate) {
    jwk.x5c = [key.certificate.raw.toString('base64')];
    jwk['x5t#S256'] = createHash('sha256').update(key.certificate.raw).digest('base64url');
  }
  return jwk;
}
