/**
 * The public half of a key as an RFC 7517 JWK; never private or symmetric material. A
 * certificate_file adds x5c and x5t#S256; the self-signed certificate of a generated key does not
 * (it says nothing the key does not, and the JWKS stays as it was before such certificates).
 */
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { configuredCertificate, type LoadedKey } from './loaded-key';

export function publicJwk(key: LoadedKey): JWK {
  if (!key.publicKey) throw new Error(`key ${key.kid} has no public half`);
  const { kty, n, e, crv, x, y } = key.publicKey.export({ format: 'jwk' });
  const jwk: JWK = { kty, kid: key.kid, use: key.use, ...(n && { n, e }), ...(crv && { crv, x }), ...(y && { y }) };
  const certificate = configuredCertificate(key);
  if (certificate) {
    jwk.x5c = [certificate.raw.toString('base64')];
    jwk['x5t#S256'] = createHash('sha256').update(certificate.raw).digest('base64url');
  }
  return jwk;
}
