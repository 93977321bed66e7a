/**
 * Verifies the JWS with the issuer's configured keys only, by jose: the candidate keys (by kid) are
 * handed to jose one at a time through createLocalJWKSet, which refuses a key whose type or curve
 * does not fit the algorithm; `algorithms` pins the one algorithm already checked against the
 * issuer's allow-list. Returns the verified payload bytes.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { compactVerify, createLocalJWKSet, errors, type JWK } from 'jose';
import { jwtRejected, quoted } from './jwt-input-errors';

type KeyPicker = ReturnType<typeof createLocalJWKSet>;

/** One picker per key, kept as long as the (frozen) key object lives. */
const pickers = new WeakMap<JWK, KeyPicker>();

function pickerFor(jwk: JWK): KeyPicker {
  let picker = pickers.get(jwk);
  if (!picker) {
    picker = createLocalJWKSet({ keys: [jwk] });
    pickers.set(jwk, picker);
  }
  return picker;
}

const secrets = new WeakMap<JWK, KeyObject>();

function secretKeyOf(jwk: JWK): KeyObject {
  let key = secrets.get(jwk);
  if (!key) {
    key = createSecretKey(Buffer.from(jwk.k ?? '', 'base64url'));
    secrets.set(jwk, key);
  }
  return key;
}

export async function verifySignature(token: string, alg: string, kid: unknown, candidates: readonly JWK[]): Promise<Uint8Array> {
  if (candidates.length === 0) {
    throw jwtRejected('jwt_key_not_found', `The issuer has no key ${kid === undefined ? '' : `with kid ${quoted(kid)} `}for this JWT.`);
  }
  let fitting = 0;
  for (const jwk of candidates) {
    let key: Awaited<ReturnType<KeyPicker>> | KeyObject;
    if (jwk.kty === 'oct') {
      // A realm's own secret (realm_key): key sets do not carry secrets, so it is used directly, for HS* only.
      if (!alg.startsWith('HS')) continue;
      key = secretKeyOf(jwk);
    } else {
      try {
        // Only alg is passed: the kid has already chosen the candidates, and a public_key_file key has none.
        key = await pickerFor(jwk)({ alg });
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey) continue;
        throw error;
      }
    }
    fitting++;
    try {
      return (await compactVerify(token, key, { algorithms: [alg] })).payload;
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWSInvalid)) throw error;
    }
  }
  if (fitting === 0) {
    throw jwtRejected('jwt_algorithm_not_allowed', `The JWT algorithm ${quoted(alg)} does not match the type of the issuer's key.`);
  }
  throw jwtRejected('jwt_signature_invalid', 'The JWT signature does not verify with the issuer\'s keys.');
}
