import 'reflect-metadata';
import { decodeJwt } from 'jose';
import type { IssuedToken, StsInstanceContext, StsRealmContext, TokenProviderParams } from '../../plugin-api/token-contract';
import { OidcConfig } from '../../realms/schema/instance-config';
import * as fixtures from '../../../test/support/token-provider-fixtures';
import { OidcTokenProvider } from './oidc.provider';

const provider = new OidcTokenProvider();
let keyDir: ReturnType<typeof fixtures.makeKeyDir>;
let realm: StsRealmContext;

const oidcInstance = (overrides: Partial<OidcConfig> = {}): StsInstanceContext =>
  fixtures.instanceWith({
    oidc: Object.assign(new OidcConfig(), {
      issuer: 'https://sts.test',
      audience: ['rp'],
      token_lifetime_seconds: 300,
      signature_algorithm: 'ES256',
      signing_key: 'ec-1',
      ...overrides,
    }),
  });
const { issue, verify } = fixtures.providerHarness(provider, { tokenType: 'OPENIDCONNECT', instance: oidcInstance, realm: () => realm });
const ecKey = (kid: string) => fixtures.loadTestKey({ kid, use: 'sig', generate: { type: 'ec', curve: 'P-256' } }, keyDir.dir);

beforeAll(async () => {
  keyDir = fixtures.makeKeyDir();
  realm = fixtures.realmWith([await ecKey('ec-1')], keyDir.dir);
});
afterAll(() => keyDir.remove());

describe('OidcTokenProvider, contract 1.1', () => {
  it('carries its tokens in validated_token_state.oidc_id_token, as PingAM does', () => {
    expect(provider.issuedTokenField).toBe('oidc_id_token');
  });

  it('returns the ID token with its own exp as expiresAt, and iss, aud, jti and its client (the single audience) for introspection', async () => {
    const issued = await issue();
    const claims = decodeJwt(issued.token);
    expect(issued.expiresAt).toEqual(new Date(claims.exp! * 1000));
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(claims.jti).toEqual(expect.any(String));
    expect(issued.introspectionClaims).toEqual({ iss: 'https://sts.test', aud: 'rp', jti: claims.jti, client_id: 'rp' });
  });

  it('verifies a token it has just issued', async () => {
    expect(await verify((await issue()).token)).toBe(true);
  });

  it('refuses a token whose signature was changed', async () => {
    expect(await verify(fixtures.flipCharacter((await issue()).token, -20))).toBe(false);
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const impostor = { ...(await ecKey('ec-other')), kid: 'ec-1' };
    expect(await verify((await issue({ realm: fixtures.realmWith([impostor], keyDir.dir) })).token)).toBe(false);
  });

  it('refuses a token once the instance issues under another issuer', async () => {
    expect(await verify((await issue()).token, { instance: oidcInstance({ issuer: 'https://new.sts.test' }) })).toBe(false);
  });

  fixtures.itAnswersFalseForGarbage((token) => verify(token));
});

describe('OidcTokenProvider: OpenID Connect Core section 2 claims', () => {
  const claimsOf = async (instance: StsInstanceContext, extra: Partial<TokenProviderParams> = {}) => {
    const params = { ...fixtures.providerParams(realm, instance, { token_type: 'OPENIDCONNECT' }), ...extra };
    const issued = (await provider.createToken(params)) as IssuedToken;
    return { claims: decodeJwt(issued.token), introspection: issued.introspectionClaims };
  };

  it('has every claim Core requires (iss, sub, aud, exp, iat) and auth_time, and no azp for a single audience', async () => {
    const { claims } = await claimsOf(oidcInstance());
    expect(Object.keys(claims).sort()).toEqual(['amr', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(claims).toMatchObject({ iss: 'https://sts.test', sub: 'alice', aud: 'rp', amr: ['pwd'] });
  });

  it('writes azp for several audiences: authorized_party, else the first audience; and authorized_party for one audience too', async () => {
    expect((await claimsOf(oidcInstance({ audience: ['rp', 'api'] }))).claims).toMatchObject({ aud: ['rp', 'api'], azp: 'rp' });
    expect((await claimsOf(oidcInstance({ audience: ['api', 'rp'], authorized_party: 'rp' }))).claims).toMatchObject({ aud: ['api', 'rp'], azp: 'rp' });
    const single = await claimsOf(oidcInstance({ authorized_party: 'rp-portal' }));
    expect(single.claims).toMatchObject({ aud: 'rp', azp: 'rp-portal' });
    expect(single.introspection?.client_id).toBe('rp-portal');
  });

  it('writes the acr the session carries, and none when it carries none or something that is not a non-empty string', async () => {
    const params = fixtures.providerParams(realm, oidcInstance(), { token_type: 'OPENIDCONNECT' });
    const withAcr = (acr: unknown) => ({ session: { ...params.session!, acr } as TokenProviderParams['session'] });
    expect((await claimsOf(oidcInstance(), withAcr('urn:example:loa:2'))).claims.acr).toBe('urn:example:loa:2');
    for (const acr of [undefined, '', 2, ['a']]) {
      expect((await claimsOf(oidcInstance(), withAcr(acr))).claims).not.toHaveProperty('acr');
    }
  });

  it('names the authenticated client in introspection when a client asked for the token', async () => {
    expect((await claimsOf(oidcInstance(), { client: { id: 'rp-backend' } })).introspection?.client_id).toBe('rp-backend');
  });
});

describe('OidcTokenProvider in a token exchange (params.exchange, set only by the token endpoint)', () => {
  const exchanged = async (exchange: TokenProviderParams['exchange']) => {
    const instance = oidcInstance({ audience: ['rp', 'rp-2'] });
    const params = { ...fixtures.providerParams(realm, instance, { token_type: 'OPENIDCONNECT' }), exchange };
    return decodeJwt(((await provider.createToken(params)) as IssuedToken).token);
  };

  it('replaces the configured audience with the narrowed one, and azp follows it (none for a single audience)', async () => {
    const narrowed = await exchanged({ audience: ['rp-2'] });
    expect(narrowed.aud).toBe('rp-2');
    expect(narrowed).not.toHaveProperty('azp');
    expect(await exchanged({ audience: ['rp-2', 'rp'] })).toMatchObject({ aud: ['rp-2', 'rp'], azp: 'rp-2' });
    expect(await exchanged(undefined)).toMatchObject({ aud: ['rp', 'rp-2'], azp: 'rp' });
  });

  it('carries the act claim it is given', async () => {
    expect((await exchanged({ actor: { sub: 'service-a' } })).act).toEqual({ sub: 'service-a' });
    expect((await exchanged({})).act).toBeUndefined();
  });
});
