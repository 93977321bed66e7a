import 'reflect-metadata';
import { decodeJwt } from 'jose';
import type { JsonObject } from '../../plugin-api/json';
import type { IssuedToken, StsInstanceContext, StsRealmContext, TokenProviderParams } from '../../plugin-api/token-contract';
import { AccessTokenConfig } from '../../realms/schema/access-token-config';
import * as fixtures from '../../../test/support/token-provider-fixtures';
import { AccessTokenProvider } from './access-token.provider';

const provider = new AccessTokenProvider();
let keyDir: ReturnType<typeof fixtures.makeKeyDir>;
let realm: StsRealmContext;

const jwtInstance = (overrides: Partial<AccessTokenConfig> = {}): StsInstanceContext =>
  fixtures.instanceWith({
    access_token: Object.assign(new AccessTokenConfig(), {
      issuer: 'https://sts.test',
      audience: ['https://api.test', 'https://other-api.test'],
      token_lifetime_minutes: 15,
      signature_algorithm: 'RS256',
      signing_key: 'rsa-1',
      jti_length: 24,
      allowed_scopes: ['read', 'write'],
      allowed_client_ids: ['app-1'],
      ...overrides,
    }),
  });
const { issue, verify } = fixtures.providerHarness(provider, {
  tokenType: 'JWT',
  instance: jwtInstance,
  realm: () => realm,
  outputTokenState: { token_type: 'JWT', scope: 'read write', client_id: 'app-1' },
});
const rsaKey = (kid: string) => fixtures.loadTestKey({ kid, use: 'sig', generate: { type: 'rsa', size: 2048 } }, keyDir.dir);

beforeAll(async () => {
  keyDir = fixtures.makeKeyDir();
  realm = fixtures.realmWith([await rsaKey('rsa-1')], keyDir.dir);
});
afterAll(() => keyDir.remove());

describe('AccessTokenProvider, contract 1.1', () => {
  it('carries its tokens in validated_token_state.jwt', () => {
    expect(provider.issuedTokenField).toBe('jwt');
  });

  it('returns the access token with its own exp as expiresAt, and what introspection may show', async () => {
    const issued = await issue();
    const claims = decodeJwt(issued.token);
    expect(issued.expiresAt).toEqual(new Date(claims.exp! * 1000));
    expect(claims.exp! - claims.iat!).toBe(900);
    // The token carries the scopes as an array (space_delimit_scope: false); RFC 7662 wants a string.
    expect(claims.scope).toEqual(['read', 'write']);
    expect(claims.jti).toHaveLength(24);
    expect(issued.introspectionClaims).toEqual({
      iss: 'https://sts.test',
      aud: ['https://api.test', 'https://other-api.test'],
      scope: 'read write',
      client_id: 'app-1',
      jti: claims.jti,
    });
  });

  it('reads scope and client id from renamed claims, and leaves out what the token does not carry', async () => {
    const instance = jwtInstance({ scope_claim_name: 'scp', client_id_claim_name: 'cid', space_delimit_scope: true, jti_length: 0, audience: [] });
    const issued = await issue({ instance });
    expect(decodeJwt(issued.token)).toMatchObject({ scp: 'read write', cid: 'app-1' });
    expect(issued.introspectionClaims).toEqual({ iss: 'https://sts.test', scope: 'read write', client_id: 'app-1' });
  });

  it('verifies a token it has just issued', async () => {
    expect(await verify((await issue()).token)).toBe(true);
  });

  it.each([
    ['without iss when the instance configures no issuer', { issuer: undefined }, undefined],
    ['whose iss a claim_map entry set from an identity attribute', { claim_map: { iss: 'mail' } }, 'alice@example.com'],
  ])('verifies a token %s', async (_what, overrides, iss) => {
    const instance = jwtInstance(overrides);
    const { token } = await issue({ instance });
    expect(decodeJwt(token).iss).toBe(iss);
    expect(await verify(token, { instance })).toBe(true);
  });

  it('refuses a token whose signature was changed', async () => {
    expect(await verify(fixtures.flipCharacter((await issue()).token, -100))).toBe(false);
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const impostor = { ...(await rsaKey('rsa-other')), kid: 'rsa-1' };
    expect(await verify((await issue({ realm: fixtures.realmWith([impostor], keyDir.dir) })).token)).toBe(false);
  });

  fixtures.itAnswersFalseForGarbage((token) => verify(token));
});

describe('AccessTokenProvider in a token exchange (params.exchange, set only by the token endpoint)', () => {
  const exchanged = async (exchange: TokenProviderParams['exchange'], state: JsonObject = { token_type: 'JWT' }) => {
    const params = { ...fixtures.providerParams(realm, jwtInstance(), state), exchange };
    return decodeJwt(((await provider.createToken(params)) as IssuedToken).token);
  };

  it('replaces the configured audience with the narrowed one', async () => {
    expect((await exchanged({ audience: ['https://other-api.test'] })).aud).toBe('https://other-api.test');
    expect((await exchanged({ audience: ['https://api.test', 'https://other-api.test'] })).aud).toEqual(['https://api.test', 'https://other-api.test']);
    expect((await exchanged({})).aud).toEqual(['https://api.test', 'https://other-api.test']);
  });

  it('issues to the authenticated client with the granted scopes, whatever the output state says', async () => {
    const claims = await exchanged({ clientId: 'exchanger', scope: ['read'] }, { token_type: 'JWT', scope: 'read write', client_id: 'app-1' });
    expect(claims).toMatchObject({ client_id: 'exchanger', scope: ['read'] });
    // No scope granted: no scope claim, not the configured allowed_scopes.
    expect(await exchanged({ clientId: 'exchanger', scope: [] })).not.toHaveProperty('scope');
  });

  it('names the exchanging client in introspection even where the token leaves client_id out', async () => {
    const params = { ...fixtures.providerParams(realm, jwtInstance({ client_id_claim_name: '' }), { token_type: 'JWT' }), exchange: { clientId: 'exchanger' } };
    const issued = (await provider.createToken(params)) as IssuedToken;
    expect(decodeJwt(issued.token)).not.toHaveProperty('client_id');
    expect(issued.introspectionClaims?.client_id).toBe('exchanger');
  });

  it('carries the act claim it is given, which no custom claim can forge', async () => {
    const act = { sub: 'service-a', act: { sub: 'service-b' } };
    expect((await exchanged({ actor: act })).act).toEqual(act);
    expect((await exchanged(undefined)).act).toBeUndefined();
  });
});
