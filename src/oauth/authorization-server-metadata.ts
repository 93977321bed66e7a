/**
 * The RFC 8414 authorization server metadata of one instance. Its issuer is `{base}/oauth2{P}`,
 * the URL under which every endpoint of the instance lives (RFC 8414 section 3: the document is
 * at the issuer's path below `/.well-known/oauth-authorization-server`).
 */
import type { JsonValue } from '../plugin-api/json';
import type { LoadedInstance } from '../realms/loaded-instance';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange-request';
import { tokenTypeUrisOf } from './token-exchange-types';

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

export function authorizationServerMetadata(target: LoadedInstance, baseUrl: string): Record<string, JsonValue> {
  const { path, settings } = target.instance;
  const issuer = `${baseUrl}/oauth2${path}`;
  const exchange = settings.token_exchange !== undefined;
  const transforms = settings.supported_token_transforms;
  const urisOf = (types: string[]) => [...new Set(types.flatMap(tokenTypeUrisOf))].sort();
  return {
    issuer,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    introspection_endpoint: `${issuer}/introspect`,
    revocation_endpoint: `${issuer}/revoke`,
    // No authorization endpoint: this server answers no response_type (the member is REQUIRED).
    response_types_supported: [],
    grant_types_supported: exchange ? [TOKEN_EXCHANGE_GRANT] : [],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    scopes_supported: settings.access_token?.allowed_scopes ?? [],
    // Not registered in RFC 8414: the RFC 8693 token types this instance exchanges.
    ...(exchange && {
      subject_token_types_supported: urisOf(transforms.map((t) => t.from)),
      requested_token_types_supported: urisOf(transforms.map((t) => t.to)),
    }),
  };
}
