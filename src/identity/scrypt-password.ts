/**
 * Passwords stored as PHC scrypt strings (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`), verified with
 * node:crypto's asynchronous scrypt, which runs on the libuv thread pool rather than the event loop.
 */
import { deserialize, serialize } from '@phc/format';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ConcurrencyLimit } from '../common/concurrency-limit';

/**
 * The libuv thread pool also runs WebCrypto (every JWS/JWE signature), zlib and file I/O. Left to
 * queue there, a burst of logins would make every token wait behind hashes of ~100 ms each; so
 * at most this many hashes run at once and two pool threads stay free for the rest.
 * Raise UV_THREADPOOL_SIZE (default 4) to hash on more cores.
 */
const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const hashing = new ConcurrencyLimit(Math.max(1, Math.min(availableParallelism(), THREAD_POOL_SIZE - 2)));

export interface ScryptHash {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Cost bounds: below is too weak to store, above would let a config exhaust memory per request. */
const MIN_LN = 14;
const MAX_MEMORY_BYTES = 512 * 1024 * 1024;
export const DEFAULT_SCRYPT_COST = { ln: 15, r: 8, p: 1 } as const;

export class PasswordHashFormatError extends Error {}

export function parseScryptHash(phc: string): ScryptHash {
  let parsed: ReturnType<typeof deserialize>;
  try {
    parsed = deserialize(phc);
  } catch (error) {
    throw new PasswordHashFormatError(`not a PHC string: ${(error as Error).message}`);
  }
  const { id, params = {}, salt, hash } = parsed;
  if (id !== 'scrypt') throw new PasswordHashFormatError(`algorithm is "${id}", expected scrypt`);
  const unknown = Object.keys(params).filter((k) => !['ln', 'r', 'p'].includes(k));
  if (unknown.length) throw new PasswordHashFormatError(`unknown scrypt parameter ${unknown.join(', ')}`);
  const { ln, r, p } = params as Record<string, unknown>;
  if (![ln, r, p].every((v) => Number.isInteger(v) && (v as number) > 0)) {
    throw new PasswordHashFormatError('ln, r and p must all be positive integers');
  }
  const cost = { ln: ln as number, r: r as number, p: p as number };
  if (cost.ln < MIN_LN) throw new PasswordHashFormatError(`ln=${cost.ln} is too weak; use at least ln=${MIN_LN}`);
  if (memoryFor(cost) > MAX_MEMORY_BYTES) throw new PasswordHashFormatError(`ln=${cost.ln},r=${cost.r} needs more than 512 MiB per hash`);
  if (!salt || salt.length < 16) throw new PasswordHashFormatError('salt must be at least 16 bytes');
  if (!hash || hash.length < 16) throw new PasswordHashFormatError('hash must be at least 16 bytes');
  return { ...cost, salt, hash };
}

/** Resolves true when `password` matches; the comparison is constant-time. */
export async function verifyPassword(password: string, stored: ScryptHash): Promise<boolean> {
  const derived = await derive(password, stored.salt, stored.hash.length, stored);
  // scrypt's HMAC-SHA256 pads short keys with zero bytes, so "pw" and "pw\0" derive the same key:
  // a password with U+0000 is refused outright (after the same work, so it takes as long).
  return timingSafeEqual(derived, stored.hash) && !password.includes('\u0000');
}

export async function hashPassword(
  password: string,
  cost: { ln: number; r: number; p: number } = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, 32, cost);
  return serialize({ id: 'scrypt', params: { ...cost }, salt, hash });
}

function derive(password: string, salt: Buffer, length: number, cost: { ln: number; r: number; p: number }): Promise<Buffer> {
  return hashing.run(
    () =>
      new Promise((resolve, reject) =>
        scrypt(
          password.normalize('NFC'),
          salt,
          length,
          { N: 2 ** cost.ln, r: cost.r, p: cost.p, maxmem: memoryFor(cost) + 1024 * 1024 },
          (error, key) => (error ? reject(error) : resolve(key)),
        ),
      ),
  );
}

function memoryFor(cost: { ln: number; r: number; p: number }): number {
  return 128 * cost.r * (2 ** cost.ln + cost.p + 2);
}
