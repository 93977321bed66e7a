import { rewriteDiscoveryUrl } from './authorization-server-metadata.controller';

describe('rewriteDiscoveryUrl', () => {
  it.each([
    ['/tenants/a/.well-known/openid-configuration', '/.well-known/openid-configuration/tenants/a'],
    ['/eu/fr/.well-known/openid-configuration?x=1', '/.well-known/openid-configuration/eu/fr?x=1'],
    ['/oauth2/default/.well-known/openid-configuration', '/.well-known/openid-configuration/oauth2/default'],
  ])('routes %s below the one discovery route (%s)', (url, routed) => {
    expect(rewriteDiscoveryUrl(url)).toBe(routed);
  });

  it.each([
    '/.well-known/openid-configuration',
    '/.well-known/openid-configuration?x=1',
    '/.well-known/openid-configuration/tenants/a',
    '/.well-known/oauth-authorization-server/tenants/a',
    '/tenants/a/.well-known/openid-configuration/',
    '/rest-sts/default?_action=translate&next=/.well-known/openid-configuration',
    '/jwks',
  ])('leaves %s as it is', (url) => {
    expect(rewriteDiscoveryUrl(url)).toBe(url);
  });
});
