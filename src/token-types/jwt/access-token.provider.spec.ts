import 'reflect-metadata';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { JsonObject } from '../../plugin-api/json';
import type { InstanceSettings } from '../../plugin-api/settings';
import type { IssuedToken, StsInstanceContext, StsRealmContext, TokenProviderParams } from '../../plugin-api/token-contract';
import { AccessTokenConfig } from '../../realms/schema/access-token-config';
import { OidcConfig } from '../../realms/schema/instance-config';
import * as fixtures from '../../../test/support/token-provider-fixtures';
import { AccessTokenProvider } from './access-token.provider';

const provider = new AccessTokenProvider();
let keyDir: ReturnType<typeof fixtures.makeKeyDir>;
let realm: StsRealmContext;

const jwtInstance = (overrides: Partial<AccessTokenConfig> = {}, settings: Partial<InstanceSettings> = {}): StsInstanceContext =>
  fixtures.instanceWith({
    oauth_clients: [],
    ...settings,
    access_token: Object.assign(new AccessTokenConfig(), {
      issuer: 'https://sts.test',
      audience: ['https://api.test', 'https://other-api.test'],
      token_lifetime_minutes: 15,
      signature_algorithm: 'RS256',
      signing_key: 'rsa-1',
      jti_length: 24,
      allowed_scopes: ['read', 'write'],
      allowed_client_ids: ['app-1'],
      client_id: 'default-app',
      ...overrides,
    }),
  });
/** What the dispatcher hands the provider for a translate request, `extra` (client, exchange) added. */
const created = async (instance: StsInstanceContext, state: JsonObject, extra: Partial<TokenProviderParams> = {}) =>
  (await provider.createToken({ ...fixtures.providerParams(realm, instance, state), ...extra })) as IssuedToken;
const issueError = (instance: StsInstanceContext, state: JsonObject, extra: Partial<TokenProviderParams> = {}) =>
  created(instance, state, extra).then(
    () => undefined,
    (error: { status: number; code: string; message: string }) => ({ status: error.status, code: error.code, message: error.message }),
  );
/** A base64url SHA-256 thumbprint, as client authentication over mutual TLS hands it on. */
const THUMBPRINT = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2';
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
    // RFC 9068 and RFC 7662 alike: a space-delimited string.
    expect(claims.scope).toBe('read write');
    expect(claims.jti).toHaveLength(24);
    expect(issued.introspectionClaims).toEqual({
      iss: 'https://sts.test',
      aud: ['https://api.test', 'https://other-api.test'],
      scope: 'read write',
      client_id: 'app-1',
      jti: claims.jti,
    });
  });

  it('reads scope and client id from renamed claims, and the scope of an array as a string', async () => {
    const instance = jwtInstance({ scope_claim_name: 'scp', client_id_claim_name: 'cid', space_delimit_scope: false });
    const issued = await issue({ instance });
    expect(decodeJwt(issued.token)).toMatchObject({ scp: ['read', 'write'], cid: 'app-1' });
    expect(issued.introspectionClaims).toMatchObject({ scope: 'read write', client_id: 'app-1' });
  });

  it('verifies a token it has just issued', async () => {
    expect(await verify((await issue()).token)).toBe(true);
  });

  it.each([
    ['whose iss is the instance oidc.issuer (no access_token.issuer)', { issuer: undefined }, 'https://id.sts.test'],
    ['whose iss a claim_map entry set from an identity attribute', { claim_map: { iss: 'mail' } }, 'alice@example.com'],
  ])('verifies a token %s', async (_what, overrides, iss) => {
    const oidc = Object.assign(new OidcConfig(), { issuer: 'https://id.sts.test', audience: ['rp'], signature_algorithm: 'RS256', signing_key: 'rsa-1' });
    const instance = jwtInstance(overrides, { oidc });
    const { token } = await issue({ instance });
    expect(decodeJwt(token).iss).toBe(iss);
    expect(await verify(token, { instance })).toBe(true);
  });

  it('refuses a token of the oidc.issuer once access_token.issuer names another', async () => {
    const oidc = Object.assign(new OidcConfig(), { issuer: 'https://id.sts.test', audience: ['rp'], signature_algorithm: 'RS256', signing_key: 'rsa-1' });
    const { token } = await issue({ instance: jwtInstance({ issuer: undefined }, { oidc }) });
    expect(await verify(token, { instance: jwtInstance({ issuer: 'https://other.sts.test' }, { oidc }) })).toBe(false);
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

describe('AccessTokenProvider: RFC 9068 section 2.2 by default', () => {
  /** Only what JWT output needs; everything else is the schema's default. */
  const minimal = (overrides: Partial<AccessTokenConfig> = {}) =>
    jwtInstance({ jti_length: new AccessTokenConfig().jti_length, allowed_client_ids: [], allowed_scopes: [], client_id: 'sts-app', audience: ['api'], ...overrides });

  it('writes iss, exp, aud, sub, client_id, iat and a 22-character jti, typ at+jwt, with the defaults', async () => {
    const { token } = await issue({ instance: minimal(), outputTokenState: { token_type: 'JWT' } });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'https://sts.test', aud: 'api', sub: 'alice', client_id: 'sts-app' });
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect([typeof claims.iat, typeof claims.exp]).toEqual(['number', 'number']);
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
  });

  it('issues to the authenticated client, not to the configured one', async () => {
    const issued = await created(minimal(), { token_type: 'JWT' }, { client: { id: 'authenticated-app' } });
    expect(decodeJwt(issued.token).client_id).toBe('authenticated-app');
    expect(issued.introspectionClaims?.client_id).toBe('authenticated-app');
  });

  it('refuses an output state naming a client other than the authenticated one: 400 client_id_not_allowed', async () => {
    expect(await issueError(jwtInstance(), { token_type: 'JWT', client_id: 'app-1' }, { client: { id: 'authenticated-app' } })).toEqual({
      status: 400,
      code: 'client_id_not_allowed',
      message: expect.stringContaining('"authenticated-app"'),
    });
    // Naming itself is fine.
    const own = jwtInstance({ allowed_client_ids: ['app-1'] });
    expect(decodeJwt((await created(own, { token_type: 'JWT', client_id: 'app-1' }, { client: { id: 'app-1' } })).token).client_id).toBe('app-1');
  });

  it('refuses a request that names no client where the instance has none: 400 client_id_required', async () => {
    expect(await issueError(jwtInstance({ client_id: undefined }), { token_type: 'JWT' })).toEqual({
      status: 400,
      code: 'client_id_required',
      message: expect.stringContaining('access_token.allowed_client_ids'),
    });
    // Without a client_id claim (client_id_claim_name ""), no client is needed.
    const issued = await created(jwtInstance({ client_id: undefined, client_id_claim_name: '' }), { token_type: 'JWT' });
    expect(decodeJwt(issued.token)).not.toHaveProperty('client_id');
    expect(issued.introspectionClaims).not.toHaveProperty('client_id');
  });

  it('binds the token to the mutual-TLS certificate the client authenticated with (RFC 8705 cnf), for introspection too', async () => {
    const issued = await created(minimal(), { token_type: 'JWT' }, { client: { id: 'mtls-app', certificateThumbprint: THUMBPRINT } });
    expect(decodeJwt(issued.token)).toMatchObject({ client_id: 'mtls-app', cnf: { 'x5t#S256': THUMBPRINT } });
    expect(issued.introspectionClaims).toMatchObject({ client_id: 'mtls-app', cnf: { 'x5t#S256': THUMBPRINT } });
  });

  it('has no cnf for a client without a certificate, or without an authenticated client', async () => {
    for (const client of [{ id: 'secret-app' }, undefined]) {
      const issued = await created(minimal(), { token_type: 'JWT' }, { client });
      expect(decodeJwt(issued.token)).not.toHaveProperty('cnf');
      expect(issued.introspectionClaims).not.toHaveProperty('cnf');
    }
  });

  it.each([
    ['iss mapped from an attribute that is empty', { claim_map: { iss: 'blank' } }, /no valid iss \(claim_map maps it from the attribute "blank", which the principal lacks or which is not a non-empty string\)\.$/],
    ['aud mapped from an attribute the principal lacks, with no audience configured', { audience: [], claim_map: { aud: 'tenant' } }, /no valid aud .*"tenant".*, and access_token\.audience names none\.$/],
    ['aud mapped from an array with a number', { claim_map: { aud: 'numbers' } }, /no valid aud .*"numbers".*not a string or a list of strings\)\.$/],
    ['client_id mapped from an object', { claim_map: { client_id: 'object' } }, /no valid client_id \(claim_map maps it from the attribute "object", .*\)\.$/],
  ])('refuses a token with %s: 400 access_token_claim_missing', async (_what, overrides, message) => {
    const instance = minimal(overrides);
    expect(await provider.checkConfiguration({ realm, instance })).toEqual([]);
    const params = fixtures.providerParams(realm, instance, { token_type: 'JWT' });
    const session = { ...params.session!, attributes: { blank: '', numbers: ['api', 7], object: { id: 'x' } } };
    await expect(provider.createToken({ ...params, session })).rejects.toMatchObject({ status: 400, code: 'access_token_claim_missing', message: expect.stringMatching(message) });
  });

  it.each([
    ['neither access_token.issuer nor oidc.issuer', { issuer: undefined }, {}, 'access_token.issuer', /missing; access tokens always carry iss/],
    ['no audience and no aud mapping', { audience: [] }, {}, 'access_token.audience', /missing; access tokens always carry aud/],
    ['no client_id, allowed_client_ids or oauth_clients', { client_id: undefined, allowed_client_ids: [] }, {}, 'access_token.client_id', /missing; access tokens always carry client_id/],
  ])('refuses at load a configuration with %s', async (_what, overrides, settings, path, message) => {
    expect(await provider.checkConfiguration({ realm, instance: jwtInstance(overrides, settings) })).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('loads without a default client where every translate authenticates one, and with a mapped aud and no audience', async () => {
    const noDefault = { client_id: undefined, allowed_client_ids: [] };
    const required = { translate_client_authentication: 'required' } as const;
    expect(await provider.checkConfiguration({ realm, instance: jwtInstance(noDefault, required) })).toEqual([]);
    // Clients that may authenticate (optional) leave the translate requests that do not without a client.
    expect((await provider.checkConfiguration({ realm, instance: jwtInstance(noDefault, { translate_client_authentication: 'optional' }) })).map((p) => p.path)).toEqual([
      'access_token.client_id',
    ]);
    expect(await provider.checkConfiguration({ realm, instance: jwtInstance({ audience: [], claim_map: { aud: 'tenant' } }) })).toEqual([]);
  });
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
    expect(claims).toMatchObject({ client_id: 'exchanger', scope: 'read' });
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
