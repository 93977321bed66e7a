/**
 * The session token in its two forms: a JWT with `usage: "session"` signed with a realm key, or
 * an opaque random reference. Either way the token names a session id (the JWT's `jti`); the
 * store keeps the session under the hash of that id.
 */
import { randomBytes } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { JWS_ALGORITHM_NAMES, keyProblemForAlgorithm } from '../../keys/jws-algorithms';
import { signJwt } from '../../keys/jwt-signer';
import type { JsonValue } from '../../plugin-api/json';
import type { RealmKey, StsRealmContext } from '../../plugin-api/token-contract';
import type { SessionConfig } from '../../realms/schema/session-config';

export const SESSION_USAGE = 'session';
/** 256 random bits: a reference nobody can guess. */
const OPAQUE_BYTES = 32;
const JTI_BYTES = 16;

export function newSessionId(config: SessionConfig): string {
  return randomBytes(config.form === 'opaque' ? OPAQUE_BYTES : JTI_BYTES).toString('base64url');
}

export function signSessionJwt(claims: Record<string, JsonValue>, config: SessionConfig, realm: StsRealmContext): Promise<string> {
  return signJwt(claims, config.signature_algorithm!, realm.keys.get(config.signing_key!)!, { typ: 'JWT' });
}

/** A presented token's session id: the JWT's `jti` (read before any check), or the opaque reference itself. */
export function sessionIdOf(token: string): string | undefined {
  if (!looksLikeJwt(token)) return /^[A-Za-z0-9_-]{16,512}$/.test(token) ? token : undefined;
  try {
    const { jti } = decodeJwt(token);
    return typeof jti === 'string' && jti.length > 0 ? jti : undefined;
  } catch {
    return undefined;
  }
}

export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}

/**
 * The claims of a session JWT signed by this instance's session key (or a version or retired
 * predecessor of it) with `usage: "session"` and the expected issuer; undefined when not.
 * Expiry is left to the store.
 */
export async function verifiedSessionClaims(token: string, config: SessionConfig, issuer: string, realm: StsRealmContext): Promise<Record<string, JsonValue> | undefined> {
  try {
    const key = signingKeyOf(realm, config.signing_key ?? '', decodeProtectedHeader(token).kid);
    if (!key) return undefined;
    // Only algorithms the key suits: a token cannot pick HMAC with a public key, or `none`.
    const algorithms = JWS_ALGORITHM_NAMES.filter((alg) => keyProblemForAlgorithm(alg, key) === undefined);
    const { payload } = await compactVerify(token, key.family === 'oct' ? key.privateKey! : key.publicKey!, { algorithms });
    const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    const record = claims as Record<string, JsonValue>;
    return record.usage === SESSION_USAGE && record.iss === issuer ? record : undefined;
  } catch {
    return undefined;
  }
}

function signingKeyOf(realm: StsRealmContext, configured: string, kid: unknown): RealmKey | undefined {
  const current = realm.keys.get(configured);
  let key: RealmKey | undefined;
  if (kid === undefined || kid === current?.kid) key = current;
  else if (typeof kid === 'string') {
    const named = realm.keys.get(kid);
    const isVersion = kid.startsWith(`${configured}.v`) && /^\d+$/.test(kid.slice(configured.length + 2));
    key = isVersion || named?.retiredAt ? named : undefined;
  }
  return key?.use === 'sig' ? key : undefined;
}
