/**
 * SPEC 4.1 / 4.2: every malformed or refused translate request gets the one error shape
 * `{code, reason, message, error}` with the right status and stable machine code, and the
 * server keeps serving afterwards.
 */
import { decodeJwt } from 'jose';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, type TestResponse, TestServer } from '../../support/test-server';

const TRANSLATE = '/rest-sts/default?_action=translate';
const good = () => usernameToOidc('alice', DEMO_PASSWORD) as Record<string, Record<string, unknown>>;
const withInput = (input: Record<string, unknown>) => ({ ...good(), input_token_state: input });
const withOutput = (output: Record<string, unknown>) => ({ ...good(), output_token_state: output });

describe('POST /rest-sts{P}?_action=translate: refused requests', () => {
  let server: TestServer;
  beforeAll(async () => {
    const realm = await rootRealm();
    realm.instances = {
      ...(realm.instances as Record<string, unknown>),
      // Lists only CUSTOM -> OPENIDCONNECT (CUSTOM bound to a plugin that is not installed), so
      // USERNAME -> OPENIDCONNECT names two types the server knows but this instance does not allow.
      'custom-only': {
        ...oidcInstance('RS256', 'rsa-1'),
        supported_token_transforms: [{ from: 'CUSTOM', to: 'OPENIDCONNECT' }],
        custom_token_validators: { CUSTOM: 'not-installed' },
      },
    };
    server = await startTestServer({ root: realm });
  });
  afterAll(() => server.close());

  describe('body parsing (400 malformed_json)', () => {
    it('refuses malformed JSON', async () => {
      const res = await server.post(TRANSLATE, '{"input_token_state": {"token_type": "USERNAME",');
      expectErrorBody(res, 400, 'malformed_json');
    });

    it('refuses an empty body', async () => {
      const res = await server.post(TRANSLATE, '');
      expectErrorBody(res, 400, 'malformed_json');
    });

    it('refuses a top-level __proto__ key', async () => {
      const body = `{"__proto__": {"polluted": true}, ${JSON.stringify(good()).slice(1)}`;
      const res = await server.post(TRANSLATE, body);
      expectErrorBody(res, 400, 'malformed_json');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses a __proto__ key nested inside a token state', async () => {
      const body = JSON.stringify(good()).replace('"token_type":"USERNAME"', '"token_type":"USERNAME","__proto__":{"polluted":true}');
      expect(body).toContain('__proto__');
      const res = await server.post(TRANSLATE, body);
      expectErrorBody(res, 400, 'malformed_json');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses a constructor.prototype key', async () => {
      const body = `{"constructor": {"prototype": {"polluted": true}}, ${JSON.stringify(good()).slice(1)}`;
      const res = await server.post(TRANSLATE, body);
      expectErrorBody(res, 400, 'malformed_json');
    });
  });

  describe('body shape (400 invalid_request)', () => {
    it('refuses a JSON array body', async () => {
      const res = await server.post(TRANSLATE, JSON.stringify([good()]));
      expectErrorBody(res, 400, 'invalid_request');
    });

    it('refuses a JSON string literal body', async () => {
      const res = await server.post(TRANSLATE, '"input_token_state"');
      expectErrorBody(res, 400, 'invalid_request');
    });

    it('refuses a JSON null body', async () => {
      const res = await server.post(TRANSLATE, 'null');
      expectErrorBody(res, 400, 'invalid_request');
    });

    it('refuses a body without input_token_state', async () => {
      const { output_token_state } = good();
      const res = await server.post(TRANSLATE, { output_token_state });
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('input_token_state');
    });

    it('refuses a body without output_token_state', async () => {
      const { input_token_state } = good();
      const res = await server.post(TRANSLATE, { input_token_state });
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('output_token_state');
    });

    it.each([
      ['a string', 'USERNAME'],
      ['an array', [{ token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }]],
      ['null', null],
    ])('refuses an input_token_state that is %s', async (_what, value) => {
      const res = await server.post(TRANSLATE, { ...good(), input_token_state: value });
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('input_token_state');
    });

    it('refuses an unknown top-level field', async () => {
      const res = await server.post(TRANSLATE, { ...good(), extra_field: true });
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('extra_field');
    });

    it('refuses an input_token_state without token_type', async () => {
      const res = await server.post(TRANSLATE, withInput({ username: 'alice', password: DEMO_PASSWORD }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('input_token_state.token_type');
    });

    it('refuses an output_token_state without token_type', async () => {
      const res = await server.post(TRANSLATE, withOutput({ nonce: 'n' }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('output_token_state.token_type');
    });

    it.each([
      ['a number', 5],
      ['an object', { name: 'USERNAME' }],
      ['an empty string', ''],
    ])('refuses a token_type that is %s', async (_what, tokenType) => {
      const res = await server.post(TRANSLATE, withInput({ token_type: tokenType, username: 'alice', password: DEMO_PASSWORD }));
      expectErrorBody(res, 400, 'invalid_request');
    });
  });

  describe('token types and transforms', () => {
    it('answers unknown_token_type for an input type no validator handles, listing the input types the instance accepts', async () => {
      const res = await server.post(TRANSLATE, withInput({ token_type: 'NO_SUCH_TYPE', username: 'alice', password: DEMO_PASSWORD }));
      expectErrorBody(res, 400, 'unknown_token_type');
      expect(res.body.message).toBe('Unknown token type "NO_SUCH_TYPE" as input; instance /default accepts USERNAME as input.');
    });

    it('answers unknown_token_type for an output type no token provider handles, listing the types the instance issues', async () => {
      const res = await server.post(TRANSLATE, withOutput({ token_type: 'NO_SUCH_TYPE' }));
      expectErrorBody(res, 400, 'unknown_token_type');
      expect(res.body.message).toBe('Unknown token type "NO_SUCH_TYPE" as output; instance /default issues OPENIDCONNECT.');
    });

    it('answers unsupported_transform for known types the instance does not list', async () => {
      // Both types are served by built-ins (the default instance issues this very transform).
      const res = await server.post('/rest-sts/custom-only?_action=translate', good());
      expectErrorBody(res, 400, 'unsupported_transform');
      expect(res.body.message).toContain('USERNAME -> OPENIDCONNECT');
    });

    it('does not check the credentials of a transform it refuses', async () => {
      const right = await server.post('/rest-sts/custom-only?_action=translate', good());
      const wrong = await server.post('/rest-sts/custom-only?_action=translate', usernameToOidc('alice', 'wrong password'));
      expectErrorBody(wrong, 400, 'unsupported_transform');
      expect(wrong.body).toEqual(right.body);
    });
  });

  describe('USERNAME input state', () => {
    it('refuses a missing username', async () => {
      const res = await server.post(TRANSLATE, withInput({ token_type: 'USERNAME', password: DEMO_PASSWORD }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('username');
    });

    it('refuses a missing password', async () => {
      const res = await server.post(TRANSLATE, withInput({ token_type: 'USERNAME', username: 'alice' }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('password');
    });

    it('refuses a password that is not a string', async () => {
      const res = await server.post(TRANSLATE, withInput({ token_type: 'USERNAME', username: 'alice', password: 12345 }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('password');
    });

    it('refuses an over-long username', async () => {
      const res = await server.post(TRANSLATE, withInput({ token_type: 'USERNAME', username: 'a'.repeat(10_000), password: DEMO_PASSWORD }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).not.toContain('aaaa');
    });

    it('answers 401 invalid_credentials for a wrong password, without the password in the answer', async () => {
      const res = await server.post(TRANSLATE, usernameToOidc('alice', 'not the password'));
      expectErrorBody(res, 401, 'invalid_credentials');
      expect(JSON.stringify(res.body)).not.toContain('not the password');
    });

    it('answers an unknown user exactly like a wrong password', async () => {
      const wrongPassword = await server.post(TRANSLATE, usernameToOidc('alice', 'not the password'));
      const unknownUser = await server.post(TRANSLATE, usernameToOidc('mallory', DEMO_PASSWORD));
      expectErrorBody(unknownUser, 401, 'invalid_credentials');
      expect(unknownUser.body).toEqual(wrongPassword.body);
      expect(JSON.stringify(unknownUser.body)).not.toContain('mallory');
    });
  });

  describe('OPENIDCONNECT output state', () => {
    it('refuses a nonce that is not a string', async () => {
      const res = await server.post(TRANSLATE, usernameToOidc('alice', DEMO_PASSWORD, { nonce: 1234 }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('nonce');
    });

    it('refuses allow_access: false', async () => {
      const res = await server.post(TRANSLATE, usernameToOidc('alice', DEMO_PASSWORD, { allow_access: false }));
      expectErrorBody(res, 400, 'invalid_request');
      expect(res.body.message).toContain('allow_access');
    });

    it('refuses allow_access given as a string', async () => {
      const res = await server.post(TRANSLATE, usernameToOidc('alice', DEMO_PASSWORD, { allow_access: 'true' }));
      expectErrorBody(res, 400, 'invalid_request');
    });

    it.each([
      ['absent', {}],
      ['true', { allow_access: true }],
    ])('accepts allow_access %s', async (_what, output) => {
      const res = await server.post(TRANSLATE, usernameToOidc('alice', DEMO_PASSWORD, output));
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.issued_token).sub).toBe('alice');
    });
  });

  describe('_action', () => {
    it('refuses a missing _action', async () => {
      const res = await server.post('/rest-sts/default', good());
      expectErrorBody(res, 400, 'unknown_action');
    });

    it.each(['issue', 'TRANSLATE', ''])('refuses _action=%j', async (action) => {
      const res = await server.post(`/rest-sts/default?_action=${action}`, good());
      expectErrorBody(res, 400, 'unknown_action');
    });

    it('refuses a repeated _action', async () => {
      const res = await server.post('/rest-sts/default?_action=translate&_action=translate', good());
      expectErrorBody(res, 400, 'unknown_action');
    });

    it('answers 409 token_persistence_disabled to validate on an instance that does not persist tokens', async () => {
      const res = await server.post('/rest-sts/default?_action=validate', {
        validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'a.b.c' },
      });
      expectErrorBody(res, 409, 'token_persistence_disabled');
    });

    it('answers 409 token_persistence_disabled to cancel on an instance that does not persist tokens', async () => {
      const res = await server.post('/rest-sts/default?_action=cancel', {
        cancelled_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: 'a.b.c' },
      });
      expectErrorBody(res, 409, 'token_persistence_disabled');
    });
  });

  describe('routing', () => {
    it('answers 404 instance_not_found for an unknown instance, naming the instance path it looked for', async () => {
      const res = await server.post('/rest-sts/nope?_action=translate', good());
      expectErrorBody(res, 404, 'instance_not_found');
      expect(res.body.message).toBe('No STS instance /nope (instance "nope" in realm /).');
    });

    it('answers 404 instance_not_found for an unknown realm path of several segments', async () => {
      const res = await server.post('/rest-sts/no/such/realm/default?_action=translate', good());
      expectErrorBody(res, 404, 'instance_not_found');
      expect(res.body.message).toBe('No STS instance /no/such/realm/default (instance "default" in realm /no/such/realm).');
    });

    it('answers 404 instance_not_found before looking at the _action or the body', async () => {
      const res = await server.post('/rest-sts/nope?_action=bogus', '[]');
      expectErrorBody(res, 404, 'instance_not_found');
    });

    it.each([
      ['GET', '/no-such-route'],
      ['POST', '/no-such-route'],
      ['GET', '/oauth2/default/no-such-endpoint'],
    ])('answers 404 not_found for %s %s', async (method, path) => {
      const res = method === 'GET' ? await server.get(path) : await server.post(path, good());
      expectErrorBody(res, 404, 'not_found');
    });

    it.each([
      ['GET', '/rest-sts/default?_action=translate'],
      ['PUT', '/rest-sts/default'],
      ['DELETE', '/rest-sts/eu/fr/partners'],
      ['PATCH', '/rest-sts/nope'],
      ['GET', '/oauth2/default/token'],
      ['GET', '/oauth2/default/introspect'],
      ['GET', '/oauth2/default/revoke'],
      ['PUT', '/oauth2/default/token'],
      ['DELETE', '/oauth2/default/revoke'],
    ])('answers 405 method_not_allowed with Allow: POST for %s %s (a POST-only endpoint)', async (method, path) => {
      const response = await fetch(server.baseUrl + path, { method });
      const res: TestResponse = { status: response.status, headers: response.headers, body: await response.json() };
      expectErrorBody(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe('POST');
      expect(res.body.message).toBe(`This endpoint takes POST only, not ${method}.`);
    });

    it('answers HEAD on a POST-only endpoint with 405 and Allow: POST too, and still serves GET /oauth2{P}/jwks', async () => {
      const head = await fetch(`${server.baseUrl}/oauth2/default/token`, { method: 'HEAD' });
      expect([head.status, head.headers.get('allow')]).toEqual([405, 'POST']);
      const jwks = await server.get('/oauth2/default/jwks');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys.length).toBeGreaterThan(0);
    });
  });

  describe('transport', () => {
    it('answers 413 payload_too_large for a body over the limit (64 KiB)', async () => {
      const body = JSON.stringify(withInput({ token_type: 'USERNAME', username: 'alice', password: 'x'.repeat(70 * 1024) }));
      expect(body.length).toBeGreaterThan(64 * 1024);
      const res = await server.post(TRANSLATE, body);
      expectErrorBody(res, 413, 'payload_too_large');
    });

    it('answers 415 unsupported_media_type for text/plain', async () => {
      const res = await server.post(TRANSLATE, JSON.stringify(good()), { 'content-type': 'text/plain' });
      expectErrorBody(res, 415, 'unsupported_media_type');
    });

    it('answers 415 unsupported_media_type for application/x-www-form-urlencoded', async () => {
      const res = await server.post(TRANSLATE, 'input_token_state=x&output_token_state=y', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectErrorBody(res, 415, 'unsupported_media_type');
    });
  });

  // Declared last, so it runs after every refused request above.
  describe('afterwards', () => {
    it('still serves a good translate after all the refused requests', async () => {
      const res = await server.post(TRANSLATE, usernameToOidc('alice', DEMO_PASSWORD, { nonce: 'after' }));
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.issued_token)).toMatchObject({ sub: 'alice', nonce: 'after', iss: 'https://sts.test' });
    });
  });
});
