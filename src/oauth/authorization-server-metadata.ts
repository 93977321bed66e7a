/**
 * The metadata document of one issuer: RFC 8414 authorization server metadata, which for an
 * issuer of ID tokens is also its OpenID Connect Discovery 1.0 document (the same members, served
 * at both places). Everything in it comes from the configuration: the configured issuer, and
 * endpoint URLs under `public_base_url`; never from the request.
 *
 * - `jwks_uri` is the issuer's JWKS: the keys of every instance that shares the issuer.
 * - The endpoints, grant types, token types, scopes and client authentication members are the
 *   issuer's primary instance's (see realms/issuers.ts); without one they are left out.
 * - There is no authorization endpoint: this server has no front channel, answers no
 *   response_type (`response_types_supported: []`), and leaves `authorization_endpoint` out, as
 *   other token-only issuers do; clients that discover it still validate ID tokens.
 */
import type { JsonValue } from '../plugin-api/json';
import { issuerJwksRoute, type Issuer } from '../realms/issuers';
import { clientAuthMetadata } from './client-auth-metadata';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange-request';
import { tokenTypeUrisOf } from './token-exchange-types';

export function issuerMetadata(issuer: Issuer, publicBaseUrl: string): Record<string, JsonValue> {
  const primary = issuer.primary;
  const endpoint = primary && `${publicBaseUrl}/oauth2${primary.instance.path}`;
  const settings = primary?.instance.settings;
  const exchange = settings?.token_exchange !== undefined;
  const transforms = settings?.supported_token_transforms ?? [];
  const urisOf = (types: string[]) => [...new Set(types.flatMap(tokenTypeUrisOf))].sort();
  return {
    issuer: issuer.issuer,
    ...(endpoint && { token_endpoint: `${endpoint}/token` }),
    jwks_uri: `${publicBaseUrl}${issuerJwksRoute(issuer.path)}`,
    ...(endpoint && { introspection_endpoint: `${endpoint}/introspect`, revocation_endpoint: `${endpoint}/revoke` }),
    response_types_supported: [],
    ...(issuer.idTokenAlgorithms.length > 0 && {
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...issuer.idTokenAlgorithms],
    }),
    // Present even when empty: left out, RFC 8414 would mean authorization_code and implicit.
    grant_types_supported: exchange ? [TOKEN_EXCHANGE_GRANT] : [],
    ...(settings && clientAuthMetadata(settings)),
    ...(settings && { scopes_supported: settings.access_token?.allowed_scopes ?? [] }),
    // Not registered in RFC 8414: the RFC 8693 token types the primary instance exchanges.
    ...(exchange && {
      subject_token_types_supported: urisOf(transforms.map((t) => t.from)),
      requested_token_types_supported: urisOf(transforms.map((t) => t.to)),
    }),
  };
}
