import type { InstanceSettings } from '../plugin-api/settings';
import type { OAuthClientConfig } from '../realms/schema/oauth-client-config';
import { redirectUriProblem, redirectUriProblems } from './redirect-uri-checks';

describe('redirectUriProblem', () => {
  it.each(['https://rp.example/cb', 'https://rp.example:8443/cb?tenant=a', 'http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost:3000/', 'http://127.5.6.7/cb'])(
    'accepts %s',
    (uri) => expect(redirectUriProblem(uri)).toBeUndefined(),
  );

  it.each([
    ['http to a public host', 'http://rp.example/cb', /only to a loopback host/],
    ['a fragment', 'https://rp.example/cb#x', /fragment/],
    ['a wildcard', 'https://*.rp.example/cb', /wildcards/],
    ['a relative URI', '/cb', /absolute URL/],
    ['credentials', 'https://user:pw@rp.example/cb', /credentials/],
    ['a space', 'https://rp.example/a b', /visible ASCII/],
    ['another scheme', 'javascript://rp.example/%0aalert(1)', /must use https \(not javascript\)/],
    ['a custom scheme', 'com.example.app:/cb', /must use https/],
  ])('refuses %s', (_, uri, message) => {
    expect(redirectUriProblem(uri)).toMatch(message);
  });
});

describe('redirectUriProblems', () => {
  const oidc = { audience: ['rp', 'other'] };
  const problemsOf = (client: Partial<OAuthClientConfig>, instance: object = { oidc }) =>
    redirectUriProblems({ client_id: 'rp', ...client } as OAuthClientConfig, 'oauth_clients[0]', instance as InstanceSettings);

  it('accepts a client of the ID token audience with sound URIs, and a client without redirect_uris', () => {
    expect(problemsOf({ redirect_uris: ['https://rp.example/cb', 'https://rp.example/cb2'] })).toEqual([]);
    expect(problemsOf({}, {})).toEqual([]);
  });

  it('names the bad entry by its index', () => {
    expect(problemsOf({ redirect_uris: ['https://rp.example/cb', 'http://rp.example/cb', 'https://rp.example/cb'] })).toEqual([
      { path: 'oauth_clients[0].redirect_uris[1]', message: expect.stringMatching(/"http:\/\/rp.example\/cb" http is allowed only to a loopback host/) },
      { path: 'oauth_clients[0].redirect_uris[2]', message: expect.stringMatching(/is listed twice/) },
    ]);
  });

  it.each([
    ['an empty list', { redirect_uris: [] }, { oidc }, /is empty/],
    ['no oidc section', { redirect_uris: ['https://rp.example/cb'] }, {}, /needs an oidc section/],
    ['a client outside oidc.audience', { client_id: 'stranger', redirect_uris: ['https://rp.example/cb'] }, { oidc }, /must be listed in oidc.audience/],
    ['another authorized_party', { redirect_uris: ['https://rp.example/cb'] }, { oidc: { ...oidc, authorized_party: 'other' } }, /remove authorized_party/],
  ])('refuses %s', (_, client, instance, message) => {
    expect(problemsOf(client, instance)).toEqual([{ path: 'oauth_clients[0].redirect_uris', message: expect.stringMatching(message) }]);
  });
});
