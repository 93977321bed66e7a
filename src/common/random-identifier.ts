/**
 * Random identifiers (a token's jti, an assertion's ID) from a buffer of the CSPRNG's output,
 * refilled 4 KiB at a time, as node's own randomUUID does: a randomBytes call per identifier cost
 * about 2.5 µs, nearly all of it setting up the call. Each byte is handed out once. For
 * identifiers, which are published in the tokens; secrets (keys, opaque tokens, salts) take
 * randomBytes of their own.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let next = POOL_BYTES;

/** Where `bytes` fresh random bytes start in the pool. */
function take(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > POOL_BYTES) throw new RangeError(`an identifier takes 1 to ${POOL_BYTES} random bytes, not ${bytes}`);
  if (next + bytes > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const start = next;
  next += bytes;
  return start;
}

/** `bytes` random bytes as base64url (no padding). */
export function randomBase64url(bytes: number): string {
  const start = take(bytes);
  return pool.toString('base64url', start, start + bytes);
}

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  const start = take(bytes);
  return pool.toString('hex', start, start + bytes);
}
