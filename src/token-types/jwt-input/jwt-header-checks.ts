/**
 * Checks of the protected header that need no key: the algorithm against the issuer's allow-list
 * (`none` in any letter case is never allowed), no `crit` extension (we implement none, so a token
 * that needs one must be refused, RFC 7515 4.1.11), and `typ` telling access tokens from ID tokens
 * (RFC 9068 2.1, RFC 8725 3.11). `jku`, `x5u`, `jwk` and `x5c` are ignored: keys come only from the
 * configuration.
 */
import type { JsonRecord } from './compact-jwt';
import { jwtRejected, quoted } from './jwt-input-errors';

/** What the input type expects the token to be. */
export type JwtInputKind = 'id_token' | 'access_token';

export function checkAlgorithm(header: JsonRecord, allowed: readonly string[]): string {
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || !allowed.includes(alg)) {
    throw jwtRejected('jwt_algorithm_not_allowed', `The JWT algorithm ${quoted(alg)} is not allowed for this issuer.`);
  }
  return alg;
}

export function checkNoCrit(header: JsonRecord): void {
  if (header.crit !== undefined) {
    throw jwtRejected('jwt_unsupported_crit', `The JWT requires header extensions this service does not implement (crit ${quoted(JSON.stringify(header.crit))}).`);
  }
}

/** `at+jwt`, `application/at+jwt` and `AT+JWT` are one media type (RFC 7515 4.1.9). */
function normalisedTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * An explicit `allowed_typ` list decides alone (a missing typ then passes only if "" is listed);
 * otherwise an access token needs `at+jwt` and an ID token must not be one.
 */
export function checkTyp(header: JsonRecord, kind: JwtInputKind, allowedTyp: readonly string[] | undefined): void {
  const typ = header.typ;
  if (typ !== undefined && typeof typ !== 'string') throw jwtRejected('jwt_wrong_type', 'The JWT typ header is not a string.');
  const actual = typ === undefined ? '' : normalisedTyp(typ);
  let ok: boolean;
  if (allowedTyp !== undefined) ok = allowedTyp.some((allowed) => normalisedTyp(allowed) === actual);
  else ok = kind === 'access_token' ? actual === ACCESS_TOKEN_TYP : actual !== ACCESS_TOKEN_TYP;
  if (!ok) {
    const expected = kind === 'access_token' ? 'an access token' : 'an ID token';
    throw jwtRejected('jwt_wrong_type', `The JWT typ ${quoted(typ ?? '(none)')} is not accepted where ${expected} is expected.`);
  }
}
