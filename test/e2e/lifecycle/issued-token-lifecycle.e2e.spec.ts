/**
 * Persisted issued tokens over HTTP (SPEC 4.1 validate/cancel, 4.3 introspect/revoke), the same
 * suite against each token store: SQLite (the default) and Redis (a redis-server the test starts).
 */
import 'reflect-metadata';
import { decodeJwt } from 'jose';
import { expectErrorBody } from '../../support/error-body';
import { basicAuthorization, postForm } from '../../support/oauth-client';
import { DEMO_PASSWORD, oidcInstance, rootRealm, testPasswordHash } from '../../support/realm-fixtures';
import { startRedisServer, type RedisTestServer } from '../../support/redis-server';
import { startTestServer, type TestServer } from '../../support/test-server';

const CLIENT_SECRET = 'introspection client secret';
const ENV_CLIENT_SECRET = 'an environment client secret';
const ENV_VARIABLE = 'STS_LIFECYCLE_TEST_CLIENT_SECRET';

const TRANSFORMS = ['OPENIDCONNECT', 'JWT', 'SAML2'].map((to) => ({ from: 'USERNAME', to }));

async function realmFile(): Promise<object> {
  const hash = await testPasswordHash(CLIENT_SECRET);
  const persisted = (extra: object = {}) =>
    oidcInstance('RS256', 'rsa-1', { supported_token_transforms: TRANSFORMS, persist_issued_tokens: true, ...tokenOutputs, ...extra });
  const tokenOutputs = {
    access_token: {
      issuer: 'https://sts.test', audience: ['api'], signature_algorithm: 'ES256', signing_key: 'ec-1', jti_length: 16, allowed_scopes: ['read', 'write'], allowed_client_ids: ['my-app'], client_id: 'my-app',
    },
    saml2: { issuer: 'https://sts.test', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', sign_assertion: false },
  };
  const root = await rootRealm();
  return {
    ...root,
    instances: {
      ...(root.instances as object),
      // rp-client: the relying party the ID tokens are issued to (their aud); rs and env-rs: resource servers.
      // Every instance shares the issuer https://sts.test: its metadata names this one's endpoints.
      persisted: persisted({ issuer_primary: true, oauth_clients: [{ client_id: 'rs', client_secret_hash: hash }, { client_id: 'env-rs', client_secret_env: ENV_VARIABLE }, { client_id: 'rp-client', client_secret_hash: hash }] }),
      guarded: persisted({ cancel_requires_client_authentication: true, oauth_clients: [{ client_id: 'rs', client_secret_hash: hash }, { client_id: 'rp-client', client_secret_hash: hash }] }),
      sibling: persisted({ oauth_clients: [{ client_id: 'sibling-rs', client_secret_hash: hash }] }),
      stateless: oidcInstance('RS256', 'rsa-1', { oauth_clients: [{ client_id: 'rs', client_secret_hash: hash }] }),
    },
  };
}

const STORES: [string, () => Promise<{ serverConfig?: object; stop(): Promise<void> }>][] = [
  ['SQLite', async () => ({ stop: async () => undefined })],
  [
    'Redis',
    async () => {
      const redis: RedisTestServer = await startRedisServer();
      return { serverConfig: { token_store: { type: 'redis', redis: { url: redis.url } } }, stop: () => redis.stop() };
    },
  ],
];

describe.each(STORES)('issued-token lifecycle with the %s token store', (_, startStore) => {
  let server: TestServer;
  let store: { serverConfig?: object; stop(): Promise<void> };
  const rs = { authorization: basicAuthorization('rs', CLIENT_SECRET) };
  const rp = { authorization: basicAuthorization('rp-client', CLIENT_SECRET) };

  beforeAll(async () => {
    process.env[ENV_VARIABLE] = ENV_CLIENT_SECRET;
    store = await startStore();
    server = await startTestServer({ root: await realmFile() }, {}, store.serverConfig);
  });
  afterAll(async () => {
    await server?.close();
    await store?.stop();
    delete process.env[ENV_VARIABLE];
  });

  async function issue(instance: string, outputType = 'OPENIDCONNECT', output: object = {}): Promise<string> {
    const res = await server.post(`/rest-sts/${instance}?_action=translate`, {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: outputType, ...output },
    });
    expect(res.status).toBe(200);
    return res.body.issued_token;
  }
  const validate = (instance: string, state: object) => server.post(`/rest-sts/${instance}?_action=validate`, { validated_token_state: state });
  const cancel = (instance: string, state: object) => server.post(`/rest-sts/${instance}?_action=cancel`, { cancelled_token_state: state });
  const oidcState = (token: string) => ({ token_type: 'OPENIDCONNECT', oidc_id_token: token });
  const introspect = (instance: string, params: Record<string, string> | string, headers: Record<string, string> = rs) =>
    postForm(server.baseUrl, `/oauth2/${instance}/introspect`, params, headers);
  const revoke = (instance: string, params: Record<string, string>, headers: Record<string, string> = rs) =>
    postForm(server.baseUrl, `/oauth2/${instance}/revoke`, params, headers);

  describe('_action=validate and _action=cancel (PingAM wire format)', () => {
    it('validates an issued ID token with its principal, as often as asked', async () => {
      const token = await issue('persisted');
      for (let i = 0; i < 2; i++) {
        const res = await validate('persisted', oidcState(token));
        expect([res.status, res.body]).toEqual([200, { token_valid: true, principal: 'alice' }]);
      }
    });

    it('cancels a token, which then validates false; a second cancel changes nothing', async () => {
      const token = await issue('persisted');
      const cancelled = await cancel('persisted', oidcState(token));
      expect([cancelled.status, cancelled.body]).toEqual([200, { result: 'OPENIDCONNECT token cancelled successfully.' }]);
      expect((await validate('persisted', oidcState(token))).body).toEqual({ token_valid: false });
      const again = await cancel('persisted', oidcState(token));
      expect(again.status).toBe(200);
      expect(again.body.result).toMatch(/nothing to cancel/);
    });

    it('validates and cancels JWT access tokens and SAML2 assertions under their own fields', async () => {
      const jwt = await issue('persisted', 'JWT', { scope: 'read' });
      const saml = await issue('persisted', 'SAML2', { subject_confirmation: 'BEARER' });
      expect((await validate('persisted', { token_type: 'JWT', jwt })).body).toEqual({ token_valid: true, principal: 'alice' });
      expect((await validate('persisted', { token_type: 'SAML2', saml2_token: saml })).body).toEqual({ token_valid: true, principal: 'alice' });
      expect((await cancel('persisted', { token_type: 'SAML2', saml2_token: saml })).status).toBe(200);
      expect((await validate('persisted', { token_type: 'SAML2', saml2_token: saml })).body).toEqual({ token_valid: false });
      expect((await validate('persisted', { token_type: 'JWT', jwt })).body.token_valid).toBe(true);
    });

    it('says false for a token under the wrong type, a tampered token, a foreign one and a never-issued one', async () => {
      const token = await issue('persisted');
      const [header, payload, signature] = token.split('.');
      const tampered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
      const fromSibling = await issue('sibling');
      const neverIssued = await issue('default'); // same keys, same issuer, but not persisted
      expect((await validate('persisted', { token_type: 'JWT', jwt: token })).body).toEqual({ token_valid: false });
      expect((await validate('persisted', oidcState(tampered))).body).toEqual({ token_valid: false });
      expect((await validate('persisted', oidcState(fromSibling))).body).toEqual({ token_valid: false });
      expect((await validate('persisted', oidcState(neverIssued))).body).toEqual({ token_valid: false });
      expect((await validate('persisted', oidcState('not a token at all'))).body).toEqual({ token_valid: false });
    });

    it('does not let one instance cancel the tokens of another', async () => {
      const token = await issue('sibling');
      expect((await cancel('persisted', oidcState(token))).body.result).toMatch(/nothing to cancel/);
      expect((await validate('sibling', oidcState(token))).body.token_valid).toBe(true);
    });

    it.each([
      ['an instance that does not persist', 'default', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'x' } }, 409, 'token_persistence_disabled'],
      ['a missing validated_token_state', 'persisted', {}, 400, 'invalid_request'],
      ['a validated_token_state that is not an object', 'persisted', { validated_token_state: 'x' }, 400, 'invalid_request'],
      ['a missing token_type', 'persisted', { validated_token_state: { oidc_id_token: 'x' } }, 400, 'invalid_request'],
      ['an unknown token_type', 'persisted', { validated_token_state: { token_type: 'NOPE', token: 'x' } }, 400, 'unknown_token_type'],
      ['an input-only token_type', 'persisted', { validated_token_state: { token_type: 'USERNAME', username: 'alice' } }, 400, 'unknown_token_type'],
      ['a missing token field', 'persisted', { validated_token_state: { token_type: 'OPENIDCONNECT' } }, 400, 'invalid_request'],
      ['a token under another field', 'persisted', { validated_token_state: { token_type: 'OPENIDCONNECT', jwt: 'x' } }, 400, 'invalid_request'],
      ['a token that is not a string', 'persisted', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 42 } }, 400, 'invalid_request'],
      ['an unknown top-level field', 'persisted', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'x' }, extra: 1 }, 400, 'invalid_request'],
      ['an unknown instance', 'nowhere', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'x' } }, 404, 'instance_not_found'],
    ])('refuses validate on %s', async (_, instance, body, status, code) => {
      expectErrorBody(await server.post(`/rest-sts/${instance}?_action=validate`, body), status, code);
    });

    it('names the types the instance issues when validate gets a token_type it does not', async () => {
      const res = await server.post('/rest-sts/persisted?_action=validate', { validated_token_state: { token_type: 'NOPE', token: 'x' } });
      expectErrorBody(res, 400, 'unknown_token_type');
      expect(res.body.message).toBe('validated_token_state.token_type "NOPE" is not a type this STS issues; instance /persisted issues OPENIDCONNECT, JWT, SAML2.');
    });

    describe('cancel_requires_client_authentication', () => {
      const guardedCancel = (state: object, headers: Record<string, string> = {}) =>
        server.post('/rest-sts/guarded?_action=cancel', { cancelled_token_state: state }, headers);

      it('answers 401 invalid_client with WWW-Authenticate without HTTP Basic, or with a wrong secret, and cancels nothing', async () => {
        const token = await issue('guarded');
        const attempts: Record<string, string>[] = [{}, { authorization: basicAuthorization('rp-client', 'wrong') }, { authorization: 'Bearer abc' }];
        for (const headers of attempts) {
          const res = await guardedCancel(oidcState(token), headers);
          expectErrorBody(res, 401, 'invalid_client');
          expect(res.headers.get('www-authenticate')).toBe('Basic realm="/guarded"');
        }
        expect((await validate('guarded', oidcState(token))).body.token_valid).toBe(true);
      });

      it('refuses a client the token was not issued to with 400 unauthorized_client', async () => {
        const token = await issue('guarded');
        expectErrorBody(await guardedCancel(oidcState(token), rs), 400, 'unauthorized_client');
        expect((await validate('guarded', oidcState(token))).body.token_valid).toBe(true);
      });

      it('cancels for the client the token was issued to', async () => {
        const token = await issue('guarded');
        expect((await guardedCancel(oidcState(token), rp)).body).toEqual({ result: 'OPENIDCONNECT token cancelled successfully.' });
        expect((await validate('guarded', oidcState(token))).body).toEqual({ token_valid: false });
      });

      it('leaves cancel open to whoever holds the token where the option is off (as PingAM)', async () => {
        const token = await issue('persisted');
        expect((await cancel('persisted', oidcState(token))).body.result).toMatch(/cancelled successfully/);
      });
    });

    it('refuses cancel on an instance that does not persist, and a malformed cancelled_token_state', async () => {
      expectErrorBody(await cancel('default', oidcState('x')), 409, 'token_persistence_disabled');
      expectErrorBody(await server.post('/rest-sts/persisted?_action=cancel', { cancelled_token_state: [] }), 400, 'invalid_request');
      expectErrorBody(await cancel('persisted', { token_type: 'OPENIDCONNECT' }), 400, 'invalid_request');
    });
  });

  describe('POST /oauth2{P}/introspect (RFC 7662)', () => {
    it('describes an active access token to an authenticated client', async () => {
      const jwt = await issue('persisted', 'JWT', { scope: 'read write', client_id: 'my-app' });
      const claims = decodeJwt(jwt);
      const res = await introspect('persisted', { token: jwt, token_type_hint: 'access_token' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toMatchObject({ active: true, sub: 'alice', username: 'alice', iss: 'https://sts.test', aud: 'api', exp: claims.exp, jti: claims.jti });
      expect(res.body.scope).toBe('read write');
      expect(res.body.client_id).toBe('my-app');
      expect(Math.abs(res.body.iat - claims.iat!)).toBeLessThanOrEqual(1);
    });

    it('answers exactly {"active": false} for an unknown, foreign, revoked or garbage token', async () => {
      const revoked = await issue('persisted');
      expect((await revoke('persisted', { token: revoked }, rp)).status).toBe(200);
      for (const token of [revoked, await issue('sibling'), await issue('default'), 'garbage']) {
        const res = await introspect('persisted', { token });
        expect([res.status, res.body]).toEqual([200, { active: false }]);
      }
    });

    it('accepts client_secret_post and a secret from the environment', async () => {
      const token = await issue('persisted');
      expect((await introspect('persisted', { token, client_id: 'rs', client_secret: CLIENT_SECRET }, {})).body.active).toBe(true);
      expect((await introspect('persisted', { token }, { authorization: basicAuthorization('env-rs', ENV_CLIENT_SECRET) })).body.active).toBe(true);
    });

    it.each([
      ['no client authentication', {}],
      ['a wrong secret', { authorization: basicAuthorization('rs', 'wrong') }],
      ['an unknown client', { authorization: basicAuthorization('nobody', CLIENT_SECRET) }],
      ['a client of another instance', { authorization: basicAuthorization('sibling-rs', CLIENT_SECRET) }],
      ['a Bearer token instead of a client', { authorization: 'Bearer abc' }],
    ])('answers 401 invalid_client with WWW-Authenticate for %s', async (_, headers) => {
      const res = await introspect('persisted', { token: 'x' }, headers);
      expectErrorBody(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="/persisted"');
    });

    it('refuses malformed requests with RFC 6749 error codes', async () => {
      expectErrorBody(await introspect('persisted', {}), 400, 'invalid_request');
      expectErrorBody(await introspect('persisted', 'token=a&token=b'), 400, 'invalid_request');
      expectErrorBody(await introspect('persisted', { token: 'x', client_secret: CLIENT_SECRET }), 400, 'invalid_request');
      expectErrorBody(await server.post('/oauth2/persisted/introspect', { token: 'x' }, rs), 415, 'unsupported_media_type');
      expectErrorBody(await introspect('stateless', { token: 'x' }), 409, 'token_persistence_disabled');
      expectErrorBody(await introspect('nowhere', { token: 'x' }), 404, 'instance_not_found');
      expectErrorBody(await postForm(server.baseUrl, '/oauth2/persisted/unknown-endpoint', { token: 'x' }, rs), 404, 'not_found');
    });

    it('keeps form bodies a 415 everywhere else', async () => {
      const res = await postForm(server.baseUrl, '/rest-sts/persisted?_action=translate', { token: 'x' });
      expectErrorBody(res, 415, 'unsupported_media_type');
    });
  });

  describe('POST /oauth2{P}/revoke (RFC 7009)', () => {
    it('revokes a token for the client it was issued to: 200 with no body, then validate says false', async () => {
      const token = await issue('persisted');
      const res = await revoke('persisted', { token, token_type_hint: 'refresh_token' }, rp);
      expect([res.status, res.body]).toEqual([200, undefined]);
      expect((await validate('persisted', oidcState(token))).body).toEqual({ token_valid: false });
    });

    it('refuses a client other than the one the token was issued to with 400 unauthorized_client, and the token stays live', async () => {
      const idToken = await issue('persisted'); // issued to its audience, rp-client
      const accessToken = await issue('persisted', 'JWT', { client_id: 'my-app' });
      const saml = await issue('persisted', 'SAML2', { subject_confirmation: 'BEARER' }); // issued to no OAuth client
      for (const [token, client] of [[idToken, rs], [accessToken, rp], [accessToken, rs], [saml, rp]] as const) {
        expectErrorBody(await revoke('persisted', { token }, client), 400, 'unauthorized_client');
      }
      expect((await validate('persisted', oidcState(idToken))).body.token_valid).toBe(true);
      expect((await validate('persisted', { token_type: 'JWT', jwt: accessToken })).body.token_valid).toBe(true);
      expect((await introspect('persisted', { token: accessToken })).body).toMatchObject({ active: true, client_id: 'my-app' });
    });

    it('answers 200 for an unknown token and leaves other instances alone', async () => {
      const foreign = await issue('sibling');
      expect((await revoke('persisted', { token: 'unknown' })).status).toBe(200);
      expect((await revoke('persisted', { token: foreign })).status).toBe(200);
      expect((await validate('sibling', oidcState(foreign))).body.token_valid).toBe(true);
    });

    it('requires client authentication', async () => {
      const token = await issue('persisted');
      expectErrorBody(await revoke('persisted', { token }, {}), 401, 'invalid_client');
      expect((await validate('persisted', oidcState(token))).body.token_valid).toBe(true);
    });
  });
});
