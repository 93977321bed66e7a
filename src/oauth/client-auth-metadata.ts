/**
 * The client authentication members of an instance's RFC 8414 metadata: exactly the methods its
 * `oauth_clients` use (RFC 7591 names; a secret client without a method uses both secret methods),
 * the same for the token, introspection and revocation endpoints; the JWS algorithms
 * `private_key_jwt` clients may sign with; and whether access tokens are certificate-bound
 * (RFC 8705 section 3.3: an instance with a TLS client issuing access tokens binds them).
 */
import type { JsonValue } from '../plugin-api/json';
import type { InstanceSettings } from '../plugin-api/settings';
import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS, SECRET_METHODS, TLS_METHODS, type ClientAuthMethod } from '../realms/schema/client-auth-methods';

const ENDPOINTS = ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint'] as const;

/** The methods a client may authenticate with. */
export function methodsOf(client: { token_endpoint_auth_method?: ClientAuthMethod }): readonly ClientAuthMethod[] {
  return client.token_endpoint_auth_method ? [client.token_endpoint_auth_method] : SECRET_METHODS;
}

/** True where the access tokens of this instance may be certificate-bound: a TLS client, and access tokens to issue. */
export function issuesCertificateBoundTokens(settings: InstanceSettings): boolean {
  return settings.access_token !== undefined && settings.oauth_clients.some((client) => methodsOf(client).some((m) => TLS_METHODS.includes(m)));
}

export function clientAuthMetadata(settings: InstanceSettings): Record<string, JsonValue> {
  const enabled = new Set(settings.oauth_clients.flatMap((client) => methodsOf(client)));
  const methods = CLIENT_AUTH_METHODS.filter((method) => enabled.has(method));
  const signers = settings.oauth_clients.filter((client) => client.token_endpoint_auth_method === 'private_key_jwt');
  const allowed = new Set(signers.flatMap((client) => (client.token_endpoint_auth_signing_alg ? [client.token_endpoint_auth_signing_alg] : CLIENT_ASSERTION_ALGORITHMS)));
  const algorithms = CLIENT_ASSERTION_ALGORITHMS.filter((alg) => allowed.has(alg));
  const metadata: Record<string, JsonValue> = {};
  for (const endpoint of ENDPOINTS) metadata[`${endpoint}_auth_methods_supported`] = methods;
  if (algorithms.length > 0) for (const endpoint of ENDPOINTS) metadata[`${endpoint}_auth_signing_alg_values_supported`] = algorithms;
  if (issuesCertificateBoundTokens(settings)) metadata.tls_client_certificate_bound_access_tokens = true;
  return metadata;
}
