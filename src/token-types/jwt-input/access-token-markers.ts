/**
 * Is this JWT an access token? RFC 9068's header `typ: at+jwt` says so in the standard way (see
 * jwt-header-checks), but many issuers mark access tokens in the payload instead: Keycloak
 * (`typ: Bearer`), Amazon Cognito (`token_use: access`), Microsoft Entra ID and Okta (`scp`),
 * RFC 9068 itself (`client_id`, which ID tokens express as `aud`/`azp`). An access token
 * presented as an ID token would let any API that received one log in as its user.
 */
import type { JsonRecord } from './compact-jwt';
import { jwtRejected, quoted } from './jwt-input-errors';

/** Keycloak's token types other than its ID token (`ID`). */
const ACCESS_TYP_CLAIMS = new Set(['bearer', 'refresh', 'offline', 'at+jwt']);

/** The first access-token marker in `claims`, described for a person; undefined for none. */
export function accessTokenMarker(claims: JsonRecord): string | undefined {
  const typ = claims.typ;
  if (typeof typ === 'string' && ACCESS_TYP_CLAIMS.has(typ.toLowerCase())) return `the claim typ ${quoted(typ)}`;
  const use = claims.token_use;
  if (use !== undefined && use !== 'id') return `the claim token_use ${quoted(use)}`;
  if (Object.hasOwn(claims, 'scp')) return 'the claim scp';
  if (Object.hasOwn(claims, 'client_id')) return 'the claim client_id';
  return undefined;
}

/** Refuses an ID token (input type OPENIDCONNECT) that carries an access-token marker. */
export function checkNotAccessToken(claims: JsonRecord): void {
  const marker = accessTokenMarker(claims);
  if (marker !== undefined) {
    throw jwtRejected('jwt_wrong_type', `The JWT carries ${marker}, which marks an access token; an ID token is expected here.`);
  }
}
