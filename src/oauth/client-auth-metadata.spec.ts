import type { InstanceSettings } from '../plugin-api/settings';
import { clientAuthMetadata } from './client-auth-metadata';

const settings = (clients: object[], extra: object = {}) => ({ oauth_clients: clients, ...extra }) as unknown as InstanceSettings;
const ACCESS_TOKENS = { access_token: { issuer: 'https://sts.test' } };
const ENDPOINTS = ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint'];

function methods(metadata: Record<string, unknown>): unknown {
  const lists = ENDPOINTS.map((endpoint) => metadata[`${endpoint}_auth_methods_supported`]);
  expect(lists[1]).toEqual(lists[0]);
  expect(lists[2]).toEqual(lists[0]);
  return lists[0];
}

describe('clientAuthMetadata', () => {
  it('lists no method for an instance without clients, and nothing else', () => {
    expect(clientAuthMetadata(settings([]))).toEqual(Object.fromEntries(ENDPOINTS.map((endpoint) => [`${endpoint}_auth_methods_supported`, []])));
  });

  it('lists both secret methods for a secret client that names none, one for a client that names it', () => {
    expect(methods(clientAuthMetadata(settings([{ client_id: 'a', client_secret_env: 'A' }])))).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(methods(clientAuthMetadata(settings([{ client_id: 'a', token_endpoint_auth_method: 'client_secret_post' }])))).toEqual(['client_secret_post']);
  });

  it('lists every method in use once, in the RFC 7591 order, with the signing algorithms of private_key_jwt clients', () => {
    const metadata = clientAuthMetadata(
      settings([
        { client_id: 'c', token_endpoint_auth_method: 'self_signed_tls_client_auth' },
        { client_id: 'b', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'PS256' },
        { client_id: 'd', token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256' },
        { client_id: 'a', token_endpoint_auth_method: 'client_secret_basic' },
      ]),
    );
    expect(methods(metadata)).toEqual(['client_secret_basic', 'private_key_jwt', 'self_signed_tls_client_auth']);
    for (const endpoint of ENDPOINTS) expect(metadata[`${endpoint}_auth_signing_alg_values_supported`]).toEqual(['PS256', 'ES256']);
    expect(metadata).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
  });

  it('says access tokens are certificate-bound where a TLS client gets access tokens, and only there', () => {
    const tls = [{ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth' }];
    expect(clientAuthMetadata(settings(tls, ACCESS_TOKENS)).tls_client_certificate_bound_access_tokens).toBe(true);
    expect(clientAuthMetadata(settings(tls))).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
    expect(clientAuthMetadata(settings([{ client_id: 'a', client_secret_env: 'A' }], ACCESS_TOKENS))).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
  });
});
