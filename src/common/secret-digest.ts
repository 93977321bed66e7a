/**
 * Shared secrets (the admin, metrics and client tokens) are compared by their SHA-256 digests:
 * in constant time, and without leaking even the presented value's length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function matchesSecretDigest(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), expected);
}
