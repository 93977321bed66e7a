/**
 * Checks of the verified claims, each with its own code: time window (exp, nbf, iat in the
 * future, optional maximum age; all with clock skew), audience, subject, required claims.
 */
import { isWritableTime } from '../../common/writable-time';
import type { OidcValidationConfig, TrustedIssuerConfig } from '../../realms/schema/oidc-validation-config';
import type { JsonRecord } from './compact-jwt';
import { jwtRejected, quoted } from './jwt-input-errors';

/** A NumericDate claim in milliseconds; undefined when absent. 1e308 and the like are refused, not carried on. */
function numericDate(claims: JsonRecord, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw jwtRejected('jwt_claim_invalid', `The JWT claim ${name} is not a number of seconds.`);
  if (!isWritableTime(value * 1000)) {
    throw jwtRejected('jwt_claim_invalid', `The JWT claim ${name} is not a time between 1970 and 9999 (seconds since 1970).`);
  }
  return value * 1000;
}

export interface CheckedTimes {
  /** exp in ms, when present. */
  readonly expiresAt?: number;
  readonly issuedAt?: number;
  /** auth_time in ms, when present. */
  readonly authenticatedAt?: number;
}

export function checkTimes(claims: JsonRecord, config: OidcValidationConfig, now: number): CheckedTimes {
  const skew = config.clock_skew_seconds * 1000;
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  const authTime = numericDate(claims, 'auth_time');
  if (config.validate_expiration) {
    if (exp === undefined) throw jwtRejected('jwt_missing_claim', 'The JWT has no exp claim.');
    if (now >= exp + skew) throw jwtRejected('jwt_expired', 'The JWT has expired.');
  }
  if (nbf !== undefined && nbf > now + skew) throw jwtRejected('jwt_not_yet_valid', 'The JWT is not valid yet (nbf).');
  if (iat !== undefined && iat > now + skew) throw jwtRejected('jwt_not_yet_valid', 'The JWT was issued in the future (iat).');
  if (config.max_token_age_seconds !== undefined) {
    if (iat === undefined) throw jwtRejected('jwt_missing_claim', 'The JWT has no iat claim, needed to bound its age.');
    if (now - iat > config.max_token_age_seconds * 1000 + skew) throw jwtRejected('jwt_too_old', 'The JWT was issued too long ago.');
  }
  return { expiresAt: exp, issuedAt: iat, authenticatedAt: authTime };
}

export function checkAudience(claims: JsonRecord, issuer: TrustedIssuerConfig): void {
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  if (!audiences.some((a) => issuer.audiences.includes(a))) {
    // A string shows quoted once; anything else as the JSON it was (bounded).
    const shown = typeof aud === 'string' ? quoted(aud) : JSON.stringify(aud ?? null).slice(0, 200);
    throw jwtRejected('jwt_audience_mismatch', `The JWT audience ${shown} does not name this service.`);
  }
}

/** The subject, which must be a non-empty string and, when the issuer lists subjects, one of them. */
export function checkSubject(claims: JsonRecord, issuer: TrustedIssuerConfig): string {
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw jwtRejected('jwt_missing_claim', 'The JWT has no sub claim (a non-empty string).');
  if (issuer.subjects.length > 0 && !issuer.subjects.includes(sub)) {
    throw jwtRejected('jwt_subject_not_allowed', `The subject ${quoted(sub)} is not accepted from this issuer.`);
  }
  return sub;
}

export function checkRequiredClaims(claims: JsonRecord, required: readonly string[]): void {
  const missing = required.filter((name) => !Object.hasOwn(claims, name) || claims[name] === null);
  if (missing.length > 0) throw jwtRejected('jwt_missing_claim', `The JWT lacks the required claim(s) ${missing.map(quoted).join(', ')}.`);
}
