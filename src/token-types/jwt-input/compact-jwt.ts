/**
 * Splits a compact JWS and decodes its header and payload, before any key is looked up: size
 * first, then strict base64url, JSON objects only, no duplicate member names. The payload read here
 * is unverified until the signature over this same segment has been checked; before that only its
 * issuer may be read (to choose the keys).
 */
import { jsonDepthExceeds } from '../../common/json-depth';
import { InvalidRequestError } from '../../errors/sts-errors';
import { findDuplicateMember } from './json-duplicates';
import { jwtMalformed, jwtRejected, quoted } from './jwt-input-errors';

export type JsonRecord = Record<string, unknown>;

export interface CompactJwt {
  readonly token: string;
  readonly header: JsonRecord;
  readonly unverifiedPayload: JsonRecord;
}

/** What an instance accepts (`oidc_validation.max_token_bytes`, `max_claims`). */
export interface JwtLimits {
  readonly maxBytes: number;
  readonly maxClaims: number;
}

/** Claim values nest a few levels at most (`address`, `act`); deeper ones are refused before any use. */
export const MAX_CLAIM_DEPTH = 16;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function decodeCompactJwt(token: string, limits: JwtLimits): CompactJwt {
  const { maxBytes, maxClaims } = limits;
  if (token.length > maxBytes) {
    throw new InvalidRequestError(`The JWT is longer than the ${maxBytes} characters this instance accepts.`, { code: 'jwt_too_large' });
  }
  const parts = token.split('.');
  if (parts.length === 5) throw jwtMalformed('encrypted (JWE) input tokens are not accepted');
  if (parts.length !== 3) throw jwtMalformed('a compact JWS has three dot-separated parts');
  // An empty signature is left to the algorithm checks, so `alg: none` gets its own refusal.
  if (!parts.every((part) => BASE64URL.test(part)) || !parts[0] || !parts[1]) throw jwtMalformed('each part must be base64url without padding');
  const header = decodeJsonObject(parts[0], 'header');
  const unverifiedPayload = decodeJsonObject(parts[1], 'payload');
  // Before the signature: a hostile token costs no key lookup or verification.
  if (Object.keys(unverifiedPayload).length > maxClaims) {
    throw new InvalidRequestError(`The JWT has more than the ${maxClaims} claims this instance accepts.`, { code: 'jwt_too_many_claims' });
  }
  if (jsonDepthExceeds(header, MAX_CLAIM_DEPTH) || jsonDepthExceeds(unverifiedPayload, MAX_CLAIM_DEPTH)) {
    throw new InvalidRequestError(`The JWT nests arrays and objects more than ${MAX_CLAIM_DEPTH} levels deep.`, { code: 'jwt_claims_too_deep' });
  }
  return { token, header, unverifiedPayload };
}

/** Parses JSON text that must be one object with unique member names. */
export function parseJsonObject(text: string, what: string): JsonRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw jwtMalformed(`the ${what} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw jwtMalformed(`the ${what} is not a JSON object`);
  const duplicate = findDuplicateMember(text);
  if (duplicate !== undefined) {
    throw jwtRejected('jwt_duplicate_member', `The JWT ${what} has the member ${quoted(duplicate)} more than once.`);
  }
  return parsed as JsonRecord;
}

function decodeJsonObject(segment: string, what: string): JsonRecord {
  // fatal: invalid UTF-8 is refused rather than silently replaced.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw jwtMalformed(`the ${what} is not UTF-8`);
  }
  return parseJsonObject(text, what);
}
