/** The RFC 7662 answer for a live token: what its provider offered, then the facts the store holds. */
import type { JsonValue } from '../plugin-api/json';
import type { IssuedTokenRecord } from '../tokens/token-store';

/** Members set from the record; a provider's claims never override them. */
const STORE_MEMBERS = ['active', 'sub', 'username', 'iat', 'exp'];

export function introspectionAnswer(record: IssuedTokenRecord): Record<string, JsonValue> {
  const offered = Object.entries(record.claims ?? {}).filter(([name]) => !STORE_MEMBERS.includes(name));
  return {
    active: true,
    ...Object.fromEntries(offered),
    sub: record.principal,
    username: record.principal,
    iat: Math.floor(record.issuedAt / 1000),
    exp: Math.floor(record.expiresAt / 1000),
  };
}
