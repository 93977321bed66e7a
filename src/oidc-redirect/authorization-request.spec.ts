import type { InstanceSettings } from '../plugin-api/settings';
import { authorizationRequestOf } from './authorization-request';

const settings = {
  oauth_clients: [
    { client_id: 'rp', redirect_uris: ['https://rp.example/cb', 'https://rp.example/cb?tenant=a'] },
    { client_id: 'no-redirects' },
  ],
} as unknown as InstanceSettings;

const valid = { client_id: 'rp', redirect_uri: 'https://rp.example/cb', response_type: 'id_token', nonce: 'n-1' };

describe('authorizationRequestOf', () => {
  it('reads a complete request, fragment by default', () => {
    expect(authorizationRequestOf({ ...valid, state: 's-1' }, settings, 'tokens')).toEqual({
      clientId: 'rp',
      redirectUri: 'https://rp.example/cb',
      responseType: 'id_token',
      responseMode: 'fragment',
      state: 's-1',
      nonce: 'n-1',
    });
  });

  it('takes "token id_token" as the same set as "id_token token", and form_post', () => {
    const read = authorizationRequestOf({ ...valid, response_type: 'token id_token', response_mode: 'form_post' }, settings, 'tokens');
    expect([read.responseType, read.responseMode]).toEqual(['id_token token', 'form_post']);
  });

  it('allows query mode, no response_type and no nonce for an error redirect only', () => {
    const read = authorizationRequestOf({ client_id: 'rp', redirect_uri: 'https://rp.example/cb?tenant=a', response_mode: 'query' }, settings, 'error');
    expect(read).toEqual({ clientId: 'rp', redirectUri: 'https://rp.example/cb?tenant=a', responseMode: 'query' });
  });

  it.each([
    ['a redirect_uri with a trailing slash', { redirect_uri: 'https://rp.example/cb/' }, 'invalid_redirect_uri'],
    ['a prefix of a registered redirect_uri', { redirect_uri: 'https://rp.example/c' }, 'invalid_redirect_uri'],
    ['a longer path under a registered one', { redirect_uri: 'https://rp.example/cb/evil' }, 'invalid_redirect_uri'],
    ['a redirect_uri in another case', { redirect_uri: 'https://RP.example/cb' }, 'invalid_redirect_uri'],
    ['an extra query parameter', { redirect_uri: 'https://rp.example/cb?x=1' }, 'invalid_redirect_uri'],
    ['another host', { redirect_uri: 'https://evil.example/cb' }, 'invalid_redirect_uri'],
    ['a client without redirect_uris', { client_id: 'no-redirects' }, 'invalid_redirect_uri'],
    ['an unknown client', { client_id: 'nobody' }, 'unknown_client'],
    ['no client_id', { client_id: undefined }, 'invalid_authorization_request'],
    ['no redirect_uri', { redirect_uri: undefined }, 'invalid_authorization_request'],
    ['a number as redirect_uri', { redirect_uri: 7 }, 'invalid_authorization_request'],
    ['an unknown member', { scope: 'openid' }, 'invalid_authorization_request'],
    ['no nonce', { nonce: undefined }, 'invalid_authorization_request'],
    ['an empty state', { state: '' }, 'invalid_authorization_request'],
    ['an overlong state', { state: 's'.repeat(2049) }, 'invalid_authorization_request'],
    ['response_type code', { response_type: 'code' }, 'unsupported_response_type'],
    ['response_type token alone', { response_type: 'token' }, 'unsupported_response_type'],
    ['no response_type', { response_type: undefined }, 'invalid_authorization_request'],
    ['response_mode query for tokens', { response_mode: 'query' }, 'unsupported_response_mode'],
    ['an unknown response_mode', { response_mode: 'web_message' }, 'unsupported_response_mode'],
  ])('refuses %s (400 %s)', (_, change, code) => {
    expect(() => authorizationRequestOf({ ...valid, ...change }, settings, 'tokens')).toThrow(expect.objectContaining({ status: 400, code }));
  });

  it.each([[null], [[]], ['a string']])('refuses %p as authorization_request', (raw) => {
    expect(() => authorizationRequestOf(raw, settings, 'error')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_authorization_request' }));
  });
});
