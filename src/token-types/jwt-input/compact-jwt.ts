/**
 * Splits a compact JWS and decodes its header and payload, before any key is looked up: size
 * first, then strict base64url, JSON objects only, no duplicate member names. The payload read here
 * is unverified and serves only to find the issuer; claims are read again from verified bytes.
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import { findDuplicateMember } from './json-duplicates';
import { jwtMalformed, jwtRejected, quoted } from './jwt-input-errors';

export type JsonRecord = Record<string, unknown>;

export interface CompactJwt {
  readonly token: string;
  readonly header: JsonRecord;
  readonly unverifiedPayload: JsonRecord;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function decodeCompactJwt(token: string, maxBytes: number): CompactJwt {
  if (token.length > maxBytes) {
    throw new InvalidRequestError(`The JWT is longer than the ${maxBytes} characters this instance accepts.`, { code: 'jwt_too_large' });
  }
  const parts = token.split('.');
  if (parts.length === 5) throw jwtMalformed('encrypted (JWE) input tokens are not accepted');
  if (parts.length !== 3) throw jwtMalformed('a compact JWS has three dot-separated parts');
  // An empty signature is left to the algorithm checks, so `alg: none` gets its own refusal.
  if (!parts.every((part) => BASE64URL.test(part)) || !parts[0] || !parts[1]) throw jwtMalformed('each part must be base64url without padding');
  return { token, header: decodeJsonObject(parts[0], 'header'), unverifiedPayload: decodeJsonObject(parts[1], 'payload') };
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
