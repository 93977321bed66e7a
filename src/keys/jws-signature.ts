/**
 * JWS signatures with node:crypto directly, on the libuv pool as WebCrypto ran them, by the
 * algorithm table: which key suits which algorithm is checked before (at load for signing keys,
 * per key and algorithm for verification). jose reaches the same primitives through WebCrypto,
 * which costs about 1.5 to 2.5 times as much CPU per signature and 3 to 4 times as much event-loop time.
 */
import { createHmac, sign, verify, type KeyObject } from 'node:crypto';
import { jwsSignatureScheme, type JwsAlgorithmName } from './jws-algorithms';

/** The signature of `input`, made on the libuv pool (an HMAC, which takes microseconds, right away). */
export function signJws(alg: JwsAlgorithmName, key: KeyObject, input: Buffer): Promise<Buffer> {
  const { digest, hmac, ...options } = jwsSignatureScheme(alg);
  if (hmac) return Promise.resolve(createHmac(digest!, key).update(input).digest());
  return new Promise((resolve, reject) => sign(digest, input, { key, ...options }, (error, signature) => (error ? reject(error) : resolve(signature))));
}

/**
 * Whether `signature` is `key`'s signature of `input`, checked on the libuv pool. A signature
 * that cannot be read (wrong length, bad encoding) does not verify. Public keys only: no
 * issuer key is a shared secret, so HS* never gets here.
 */
export function verifyJws(alg: JwsAlgorithmName, key: KeyObject, input: Buffer, signature: Buffer): Promise<boolean> {
  const { digest, hmac, ...options } = jwsSignatureScheme(alg);
  if (hmac || key.type !== 'public') return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(digest, input, { key, ...options }, signature, (error, valid) => resolve(!error && valid));
    } catch {
      resolve(false);
    }
  });
}
