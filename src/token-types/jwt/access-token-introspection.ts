/** What an RFC 7662 introspection answer shows of a JWT access token, read from its own claims. */
import type { JsonValue } from '../../plugin-api/json';
import type { AccessTokenConfig } from '../../realms/schema/access-token-config';

/**
 * The claims claim_map put in the token (PingFederate's attribute contract, PingOne's attribute
 * mappings) are shown too, as those products' introspection does; `exp` there is an extension,
 * not a claim. `client_id` is the client the token names (claim_map may set it), else the one it was issued
 * to even when the token leaves the claim out: only that client may revoke it.
 */
export function accessTokenIntrospectionClaims(
  claims: Readonly<Record<string, JsonValue>>,
  config: AccessTokenConfig,
  issuedTo: string | undefined,
): Record<string, JsonValue> {
  // The client id and scope claims may be renamed, or left out with an empty name.
  const named = (name: string): JsonValue | undefined => (name ? claims[name] : undefined);
  const scope = scopeText(named(config.scope_claim_name));
  const claimed = named(config.client_id_claim_name);
  const clientId = typeof claimed === 'string' ? claimed : issuedTo;
  const mapped = Object.keys(config.claim_map).filter((name) => name !== 'exp' && claims[name] !== undefined);
  return {
    ...Object.fromEntries(mapped.map((name) => [name, claims[name]])),
    ...(typeof claims.iss === 'string' && { iss: claims.iss }),
    ...(isAudience(claims.aud) && { aud: claims.aud }),
    ...(scope !== undefined && { scope }),
    ...(typeof clientId === 'string' && { client_id: clientId }),
    ...(typeof claims.jti === 'string' && { jti: claims.jti }),
    // RFC 8705 section 3.2: a certificate-bound token shows its confirmation.
    ...(isObject(claims.cnf) && { cnf: claims.cnf }),
  };
}

/** RFC 7662 `scope` is always space-delimited, whether the token carries a string or an array. */
function scopeText(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value || undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) return value.join(' ');
  return undefined;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAudience(value: JsonValue | undefined): value is string | string[] {
  return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
}
