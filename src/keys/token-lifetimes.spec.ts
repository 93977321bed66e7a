import 'reflect-metadata';
import { AccessTokenConfig } from '../realms/schema/access-token-config';
import { OidcConfig, type InstanceConfig } from '../realms/schema/instance-config';
import type { RealmConfig } from '../realms/schema/realm-config';
import { Saml2Config } from '../realms/schema/saml2-config';
import { X509IssuanceConfig } from '../realms/schema/x509-config';
import { longestTokenLifetimeSeconds } from './token-lifetimes';

const SKEW = 300;

function realm(...instances: Array<Partial<InstanceConfig>>): RealmConfig {
  return { realm: '/', keys: [], instances: Object.fromEntries(instances.map((instance, i) => [`i${i}`, instance])) } as unknown as RealmConfig;
}

describe('longestTokenLifetimeSeconds', () => {
  it('is the verifier skew alone for a realm that issues nothing signed', () => {
    expect(longestTokenLifetimeSeconds(realm({}))).toBe(SKEW);
  });

  it.each([
    ['an ID token', { oidc: Object.assign(new OidcConfig(), { token_lifetime_seconds: 900 }) }, 900],
    ['an access token', { access_token: Object.assign(new AccessTokenConfig(), { token_lifetime_minutes: 20 }) }, 1200],
    [
      'an access token whose exp claim_map extends, at its maximum lifetime',
      { access_token: Object.assign(new AccessTokenConfig(), { token_lifetime_minutes: 20, max_token_lifetime_minutes: 90, claim_map: { exp: 'extra' } }) },
      5400,
    ],
    ['a SAML assertion', { saml2: Object.assign(new Saml2Config(), { token_lifetime_seconds: 1800 }) }, 1800],
    ['a certificate from the instance CA', { x509_issuance: Object.assign(new X509IssuanceConfig(), { certificate_lifetime_minutes: 45 }) }, 2700],
  ])('counts %s', (_what, instance, seconds) => {
    expect(longestTokenLifetimeSeconds(realm({ oidc: Object.assign(new OidcConfig(), { token_lifetime_seconds: 60 }) }, instance))).toBe(
      seconds + SKEW,
    );
  });

  it('uses the schema defaults of a section that sets no lifetime (SAML 600 s, certificates 60 min)', () => {
    expect(longestTokenLifetimeSeconds(realm({ saml2: new Saml2Config() }))).toBe(600 + SKEW);
    expect(longestTokenLifetimeSeconds(realm({ x509_issuance: new X509IssuanceConfig() }, { saml2: new Saml2Config() }))).toBe(3600 + SKEW);
  });
});
