/**
 * JWS signatures with node:crypto directly, on the libuv pool as WebCrypto ran them, by the
 * algorithm table: which key suits which algorithm is checked before (at load for signing keys,
 * per key and algorithm for verification). jose reaches the same primitives through WebCrypto,
 * which costs about 1.5 to 2.5 times as much CPU per signature and 3 to 4 times as much event-loop time.
 */
import { createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { jwsSignatureScheme, type JwsAlgorithmName } from './jws-algorithms';

/** The signature of `input`, made on the libuv pool (an HMAC, which takes microseconds, right away). */
export function signJws(alg: JwsAlgorithmName, key: KeyObject, input: Buffer): Promise<Buffer> {
  const { digest, hmac, ...options } = jwsSignatureScheme(alg);
  if (hmac) return Promise.resolve(createHmac(digest!, key).update(input).digest());
  return new Promise((resolve, reject) => sign(digest, input, { key, ...options }, (error, signature) => (error ? reject(error) : resolve(signature))));
}

/**
 * Whether `signature` is `key`'s signature of `input`, checked on the libuv pool. A signature
 * that cannot be read (wrong length, bad encoding) does not verify. HS* takes a secret key (only a
 * realm's own, trusted as `realm_key`), compared in constant time; every other algorithm a public key.
 */
export function verifyJws(alg: JwsAlgorithmName, key: KeyObject, input: Buffer, signature: Buffer): Promise<boolean> {
  const { digest, hmac, ...options } = jwsSignatureScheme(alg);
  if (hmac) {
    if (key.type !== 'secret') return Promise.resolve(false);
    const expected = createHmac(digest!, key).update(input).digest();
    return Promise.resolve(expected.length === signature.length && timingSafeEqual(expected, signature));
  }
  if (key.type !== 'public') return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(digest, input, { key, ...options }, signature, (error, valid) => resolve(!error && valid));
    } catch {
      resolve(false);
    }
  });
}
