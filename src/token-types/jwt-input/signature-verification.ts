/**
 * Verifies the JWS with the issuer's configured keys only. Callers have read the token with
 * decodeCompactJwt (size, strict base64url, JSON objects) and refused any `crit`, and pass the
 * header's `alg` after checking it against the issuer's allow-list. A candidate key (by kid) is
 * used only for an algorithm it suits, by the same rules jose's local key sets apply: the JWK's
 * `use`, `alg`, `key_ops` and `ext` allow it, and the key's type, curve and size fit the algorithm
 * (the signing-key table). The signature itself is checked by node:crypto. Returns the verified
 * payload bytes.
 */
import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { isJwsAlgorithm, type JwsAlgorithmName } from '../../keys/jws-algorithms';
import { verifyJws } from '../../keys/jws-signature';
import { keyUnsuitable } from './issuer-key-material';
import { jwtRejected, quoted } from './jwt-input-errors';

/** The key of a JWK per algorithm, or null when it may not verify that algorithm; kept as long as the (frozen) JWK lives. */
const verificationKeys = new WeakMap<JWK, Map<string, KeyObject | null>>();

/** What jose's createLocalJWKSet checks of the JWK members themselves before it uses a key. */
function jwkAllowsVerification(jwk: JWK, alg: string): boolean {
  const { key_ops: ops, ext, use } = jwk;
  if (ext !== undefined && typeof ext !== 'boolean') return false;
  if (ops !== undefined && !(Array.isArray(ops) && ops.every((op, index) => typeof op === 'string' && ops.indexOf(op) === index) && ops.includes('verify'))) return false;
  return (jwk.alg === undefined || jwk.alg === alg) && (use === undefined || use === 'sig');
}

function verificationKey(jwk: JWK, alg: JwsAlgorithmName): KeyObject | null {
  let byAlg = verificationKeys.get(jwk);
  if (!byAlg) verificationKeys.set(jwk, (byAlg = new Map()));
  let key = byAlg.get(alg);
  if (key === undefined) {
    key = null;
    if (jwk.kty === 'oct') {
      // A realm's own secret (realm_key, checked against its algorithms at load): for HS* only.
      if (alg.startsWith('HS') && jwkAllowsVerification(jwk, alg)) key = createSecretKey(Buffer.from(jwk.k ?? '', 'base64url'));
    } else if (jwk.d === undefined && jwkAllowsVerification(jwk, alg)) {
      try {
        const candidate = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
        if (keyUnsuitable(candidate, [alg]) === undefined) key = candidate;
      } catch {
        // Unreadable: not a candidate (issuer keys were read once at load, so this is not expected).
      }
    }
    byAlg.set(alg, key);
  }
  return key;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The three parts of a compact JWS in strict base64url, as jose decodes it: no length that leaves a lone character. */
export function readableParts(token: string): string[] | undefined {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((part) => BASE64URL.test(part) && part.length % 4 !== 1) ? parts : undefined;
}

/** The payload bytes of `token` once its signature verified with one of `candidates`. */
export async function verifySignature(token: string, alg: string, kid: unknown, candidates: readonly JWK[]): Promise<Uint8Array> {
  await verifyWithIssuerKeys(token, alg, kid, candidates);
  return Buffer.from(token.split('.')[1], 'base64url');
}

/** The issuer key (of `candidates`) that verifies `token`'s signature; refuses the token when none does. */
export async function verifyWithIssuerKeys(token: string, alg: string, kid: unknown, candidates: readonly JWK[]): Promise<JWK> {
  if (candidates.length === 0) {
    throw jwtRejected('jwt_key_not_found', `The issuer has no key ${kid === undefined ? '' : `with kid ${quoted(kid)} `}for this JWT.`);
  }
  const fitting = isJwsAlgorithm(alg) ? candidates.filter((jwk) => verificationKey(jwk, alg) !== null) : [];
  if (fitting.length === 0) {
    throw jwtRejected('jwt_algorithm_not_allowed', `The JWT algorithm ${quoted(alg)} does not match the type of the issuer's key.`);
  }
  const parts = readableParts(token);
  if (parts) {
    const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    const signature = Buffer.from(parts[2], 'base64url');
    for (const jwk of fitting) {
      const key = verificationKey(jwk, alg as JwsAlgorithmName)!;
      if (await verifyJws(alg as JwsAlgorithmName, key, signingInput, signature)) return jwk;
    }
  }
  throw jwtRejected('jwt_signature_invalid', 'The JWT signature does not verify with the issuer\'s keys.');
}
