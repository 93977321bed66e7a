/**
 * OpenID Connect Core section 3.1.3.6 `at_hash`: the base64url of the left half of the hash of
 * the access token's ASCII, hashed with the hash of the ID token's JWS algorithm.
 */
import { createHash } from 'node:crypto';

/** The hash each JWS algorithm uses; EdDSA (Ed25519) hashes with SHA-512, as OpenID's errata say. */
function hashOf(algorithm: string): string {
  if (algorithm === 'EdDSA') return 'sha512';
  const bits = algorithm.slice(-3);
  if (bits === '256' || bits === '384' || bits === '512') return `sha${bits}`;
  throw new Error(`No at_hash hash for the algorithm ${algorithm}.`);
}

export function accessTokenHash(accessToken: string, algorithm: string): string {
  const digest = createHash(hashOf(algorithm)).update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
