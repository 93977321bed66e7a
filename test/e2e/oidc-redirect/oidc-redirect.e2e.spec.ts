/**
 * OIDC redirects over HTTP: a translate with `authorization_request` answers with a 302 whose
 * fragment carries the ID token (verified here with jose: nonce, aud, at_hash recomputed with
 * node:crypto), or a form_post page (parsed: escaped values, its CSP, no-store); query mode is
 * refused for tokens; a wrong password and `redirect_error` redirect with an OAuth error and the
 * state; unregistered redirect URIs and unknown clients get a 400 in JSON, never a Location.
 * openid-client, a relying party we did not write, accepts both response modes with its defaults.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import * as client from 'openid-client';
import { expectErrorBody } from '../../support/error-body';
import { basicAuthorization } from '../../support/oauth-client';
import { expectConfigProblem } from '../../support/config-errors';
import { DEMO_PASSWORD, fileIdentityStore, testPasswordHash, type Json } from '../../support/realm-fixtures';
import { startTestServer, startupError, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

const ISSUER = 'https://sts.test';
const CALLBACK = 'https://rp.example/cb';
const SECRET = 'a client secret of some length';

/** What a browser would get: no redirect followed, the body as text. */
interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

function instance(passwordHash: string, extra: Json = {}): Json {
  return {
    supported_token_transforms: [
      { from: 'USERNAME', to: 'OPENIDCONNECT' },
      { from: 'USERNAME', to: 'JWT' },
    ],
    oidc: { issuer: ISSUER, audience: ['rp-client', 'other-app'], token_lifetime_seconds: 300, signature_algorithm: 'RS256', signing_key: 'rsa-1' },
    access_token: { issuer: ISSUER, audience: 'api', client_id: 'default-app', signature_algorithm: 'RS256', signing_key: 'rsa-1', token_lifetime_minutes: 10 },
    oauth_clients: [
      { client_id: 'rp-client', client_secret_hash: passwordHash, redirect_uris: [CALLBACK, 'https://rp.example/cb?tenant=a', 'http://127.0.0.1:8080/cb'] },
      { client_id: 'other-app', client_secret_hash: passwordHash },
    ],
    ...extra,
  };
}

function login(authorizationRequest: Json, password = DEMO_PASSWORD): Json {
  return { input_token_state: { token_type: 'USERNAME', username: 'alice', password }, authorization_request: authorizationRequest };
}

const request = (changes: Json = {}): Json => ({ client_id: 'rp-client', redirect_uri: CALLBACK, response_type: 'id_token', nonce: 'n-0S6_WzA2Mj', state: 'af0ifjsldkj', ...changes });

/** OpenID Connect Core 3.2.2.10, computed independently of the STS: left half of SHA-256 (RS256). */
function expectedAtHash(accessToken: string): string {
  return createHash('sha256').update(Buffer.from(accessToken, 'ascii')).digest().subarray(0, 16).toString('base64url');
}

/** The fragment's parameters of a 302, after checking it goes to the registered URI. */
function fragmentOf(res: RawAnswer, redirectUri = CALLBACK): Record<string, string> {
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  expect(location.startsWith(`${redirectUri}#`)).toBe(true);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return Object.fromEntries(new URLSearchParams(location.slice(location.indexOf('#') + 1)));
}

/** Hidden inputs of a form_post page, their values unescaped as a browser would. */
function formOf(html: string): { action: string; fields: Record<string, string> } {
  const unescape = (value: string) => value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  const action = /<form method="post" action="([^"]*)">/.exec(html)![1]!;
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((match) => [unescape(match[1]!), unescape(match[2]!)]));
  return { action: unescape(action), fields };
}

describe('OIDC redirects (authorization_request, redirect_error)', () => {
  let server: TestServer;
  let jwks: ReturnType<typeof createLocalJWKSet>;

  const raw = async (path: string, body: Json, headers: Record<string, string> = {}): Promise<RawAnswer> => {
    const response = await fetch(server.baseUrl + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const translate = (body: Json, path = '/rest-sts/rp') => raw(`${path}?_action=translate`, body);
  const redirectError = (body: Json, path = '/rest-sts/rp') => raw(`${path}?_action=redirect_error`, body);
  /** A refusal in JSON: status, code, and no Location anywhere. */
  const expectRefusal = (res: RawAnswer, status: number, code: string) => {
    expect(res.headers.get('location')).toBeNull();
    const body = JSON.parse(res.text);
    expectErrorBody({ status: res.status, headers: res.headers, body } as TestResponse, status, code);
  };

  beforeAll(async () => {
    const hash = await testPasswordHash();
    const clientHash = await testPasswordHash(SECRET);
    server = await startTestServer({
      root: {
        realm: '/',
        identity_store: fileIdentityStore(hash, { alice: { mail: 'alice@example.com' } }),
        keys: [{ kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } }],
        instances: {
          rp: instance(clientHash, { issuer_primary: true }),
          // The calling flow server authenticates itself; the redirect still goes to rp-client.
          guarded: { ...instance(clientHash), translate_client_authentication: 'required' },
        },
      },
    }, {}, { public_base_url: ISSUER }); // published as https://sts.test: a relying party discovers https endpoints
    const keys: JWK[] = (await server.get('/oauth2/rp/jwks')).body.keys;
    jwks = createLocalJWKSet({ keys });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers response_type id_token with a 302 whose fragment holds the ID token (aud the client, nonce) and the state', async () => {
    const params = fragmentOf(await translate(login(request())));
    expect(Object.keys(params)).toEqual(['id_token', 'state']);
    expect(params.state).toBe('af0ifjsldkj');
    const { payload } = await jwtVerify(params.id_token!, jwks, { issuer: ISSUER, audience: 'rp-client' });
    expect(payload).toMatchObject({ sub: 'alice', aud: 'rp-client', nonce: 'n-0S6_WzA2Mj' });
    // Issued to this client only, though the instance has two audiences.
    expect(payload.azp).toBeUndefined();
    expect(payload.at_hash).toBeUndefined();
  });

  it('answers id_token token with both tokens, token_type Bearer, expires_in, and the ID token binding the access token (at_hash)', async () => {
    const params = fragmentOf(await translate(login(request({ response_type: 'id_token token' }))));
    expect(Object.keys(params).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'state', 'token_type']);
    expect(params.token_type).toBe('Bearer');
    expect(Number(params.expires_in)).toBeGreaterThan(590);
    expect(Number(params.expires_in)).toBeLessThanOrEqual(600);
    const id = (await jwtVerify(params.id_token!, jwks, { audience: 'rp-client' })).payload;
    const access = (await jwtVerify(params.access_token!, jwks, { audience: 'api' })).payload;
    expect(id.at_hash).toBe(expectedAtHash(params.access_token!));
    expect(access).toMatchObject({ sub: 'alice', client_id: 'rp-client' });
  });

  describe('openid-client as the relying party, with its default checks', () => {
    /** The issuer https://sts.test served by the test server, as a reverse proxy would. */
    const viaProxy = (url: string, options: RequestInit): Promise<Response> => {
      const target = new URL(url);
      if (target.origin !== ISSUER) throw new Error(`unexpected request to ${url}`);
      return fetch(`${server.baseUrl}${target.pathname}${target.search}`, options);
    };
    const relyingParty = async () => {
      const config = await client.discovery(new URL(ISSUER), 'rp-client', SECRET, undefined, { [client.customFetch]: viaProxy });
      client.useIdTokenResponseType(config);
      return config;
    };

    it('accepts the 302 as the callback URL it lands on (signature, iss, aud, exp, nonce, state)', async () => {
      const nonce = client.randomNonce();
      const state = client.randomState();
      const location = (await translate(login(request({ nonce, state })))).headers.get('location')!;
      const claims = await client.implicitAuthentication(await relyingParty(), new URL(location), nonce, { expectedState: state });
      expect(claims).toMatchObject({ iss: ISSUER, sub: 'alice', aud: 'rp-client', nonce });
    });

    it('accepts the form_post fields as its documented form_post handling reads them', async () => {
      const nonce = client.randomNonce();
      const state = client.randomState();
      const page = await translate(login(request({ nonce, state, response_mode: 'form_post' })));
      const { action, fields } = formOf(page.text);
      const url = new URL(action);
      url.hash = new URLSearchParams(fields).toString();
      const claims = await client.implicitAuthentication(await relyingParty(), url, nonce, { expectedState: state });
      expect(claims).toMatchObject({ iss: ISSUER, sub: 'alice', nonce });
    });
  });

  it('keeps the query of a registered redirect URI and adds the fragment after it', async () => {
    const params = fragmentOf(await translate(login(request({ redirect_uri: 'https://rp.example/cb?tenant=a' }))), 'https://rp.example/cb?tenant=a');
    expect(params.state).toBe('af0ifjsldkj');
  });

  it('answers form_post with an auto-submitting page: values escaped, a strict CSP with the script hash, no-store', async () => {
    const state = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
    const res = await translate(login(request({ response_mode: 'form_post', response_type: 'id_token token', state })));
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; form-action https:\/\/rp\.example; base-uri 'none'; frame-ancestors 'none'$/);
    // The page's one script is the one the policy's hash allows.
    const scripts = [...res.text.matchAll(/<script>([^<]*)<\/script>/g)].map((match) => match[1]!);
    expect(scripts).toHaveLength(1);
    expect(csp).toContain(`'sha256-${createHash('sha256').update(scripts[0]!).digest('base64')}'`);
    expect(res.text).not.toContain('<img');
    expect(res.text).not.toContain('alert(1)</script>');
    const form = formOf(res.text);
    expect(form.action).toBe(CALLBACK);
    expect(Object.keys(form.fields).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'state', 'token_type']);
    expect(form.fields.state).toBe(state);
    const id = (await jwtVerify(form.fields.id_token!, jwks, { audience: 'rp-client' })).payload;
    expect(id.at_hash).toBe(expectedAtHash(form.fields.access_token!));
  });

  it('refuses response_mode query for a response with tokens (400, no Location)', async () => {
    for (const responseType of ['id_token', 'id_token token']) {
      expectRefusal(await translate(login(request({ response_mode: 'query', response_type: responseType }))), 400, 'unsupported_response_mode');
    }
  });

  it('redirects a wrong password with access_denied, a description and the state, in the request\'s response mode', async () => {
    const params = fragmentOf(await translate(login(request(), 'wrong password')));
    expect(params).toEqual({ error: 'access_denied', error_description: 'The username or password is incorrect.', state: 'af0ifjsldkj' });
    const page = await translate(login(request({ response_mode: 'form_post' }), 'wrong password'));
    expect(page.status).toBe(200);
    expect(formOf(page.text).fields).toEqual({ error: 'access_denied', error_description: 'The username or password is incorrect.', state: 'af0ifjsldkj' });
  });

  it('redirects with the caller\'s error, description, custom code and reason (redirect_error), also in query mode', async () => {
    const body = { authorization_request: request({ response_mode: 'query', response_type: undefined, nonce: undefined }), error: 'login_required', error_description: 'Sign in again.', error_code: 'MFA-42', error_reason: 'second factor expired' };
    const res = await redirectError(body);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.hash).toBe('');
    expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'login_required', error_description: 'Sign in again.', error_code: 'MFA-42', error_reason: 'second factor expired', state: 'af0ifjsldkj' });
    // Fragment by default.
    expect(fragmentOf(await redirectError({ authorization_request: request(), error: 'access_denied' }))).toEqual({ error: 'access_denied', state: 'af0ifjsldkj' });
  });

  it('escapes HTML in the caller\'s error_description and the state of a form_post error page', async () => {
    const res = await redirectError({ authorization_request: request({ response_mode: 'form_post', state: '<b>"s"</b>&' }), error: 'access_denied', error_description: "<script>alert('x')</script>" });
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/<script>alert/);
    expect(res.text).not.toContain('<b>');
    expect(formOf(res.text).fields).toEqual({ error: 'access_denied', error_description: "<script>alert('x')</script>", state: '<b>"s"</b>&' });
  });

  it.each([
    ['a prefix', 'https://rp.example/c'],
    ['a trailing slash', 'https://rp.example/cb/'],
    ['another case', 'https://RP.example/cb'],
    ['an extra query parameter', 'https://rp.example/cb?tenant=a&next=https://evil.example'],
    ['a path below', 'https://rp.example/cb/../evil'],
    ['another host', 'https://evil.example/cb'],
    ['http for an https registration', 'http://rp.example/cb'],
  ])('refuses a redirect_uri with %s (400 invalid_redirect_uri, no Location), for tokens and errors alike', async (_, redirectUri) => {
    expectRefusal(await translate(login(request({ redirect_uri: redirectUri }))), 400, 'invalid_redirect_uri');
    expectRefusal(await translate(login(request({ redirect_uri: redirectUri }), 'wrong password')), 400, 'invalid_redirect_uri');
    expectRefusal(await redirectError({ authorization_request: request({ redirect_uri: redirectUri }), error: 'access_denied' }), 400, 'invalid_redirect_uri');
  });

  it('refuses an unknown client and a client without redirect_uris', async () => {
    expectRefusal(await translate(login(request({ client_id: 'evil-app' }))), 400, 'unknown_client');
    expectRefusal(await redirectError({ authorization_request: request({ client_id: 'evil-app' }), error: 'access_denied' }), 400, 'unknown_client');
    expectRefusal(await translate(login(request({ client_id: 'other-app' }))), 400, 'invalid_redirect_uri');
  });

  it('refuses bad authorization requests and bad error parameters in JSON', async () => {
    expectRefusal(await translate(login(request({ nonce: undefined }))), 400, 'invalid_authorization_request');
    expectRefusal(await translate(login(request({ response_type: 'code' }))), 400, 'unsupported_response_type');
    expectRefusal(await translate(login('not an object' as unknown as Json)), 400, 'invalid_authorization_request');
    expectRefusal(await translate({ ...login(request()), output_token_state: { token_type: 'OPENIDCONNECT' } }), 400, 'invalid_request');
    expectRefusal(await redirectError({ authorization_request: request(), error: 'bad error' }), 400, 'invalid_error_parameter');
    expectRefusal(await redirectError({ authorization_request: request(), error: 'x', error_description: 'line\nbreak' }), 400, 'invalid_error_parameter');
    expectRefusal(await redirectError({ authorization_request: request() }), 400, 'invalid_request');
  });

  it('authenticates the calling client where translate does, then redirects to the request\'s client', async () => {
    expectRefusal(await translate(login(request()), '/rest-sts/guarded'), 401, 'invalid_client');
    const res = await raw('/rest-sts/guarded?_action=translate', login(request()), { authorization: basicAuthorization('other-app', SECRET) });
    const { payload } = await jwtVerify(fragmentOf(res).id_token!, jwks, { audience: 'rp-client' });
    expect(payload.nonce).toBe('n-0S6_WzA2Mj');
    expectRefusal(await redirectError({ authorization_request: request(), error: 'access_denied' }, '/rest-sts/guarded'), 401, 'invalid_client');
  });
});

describe('redirect_uris at load', () => {
  it.each([
    ['http to a public host', ['http://rp.example/cb'], 'oauth_clients[0].redirect_uris[0]', /http is allowed only to a loopback host/],
    ['a wildcard', ['https://*.rp.example/cb'], 'oauth_clients[0].redirect_uris[0]', /wildcards are not supported/],
    ['a fragment', ['https://rp.example/cb#x'], 'oauth_clients[0].redirect_uris[0]', /must not contain a fragment/],
    ['a relative URI', ['/cb'], 'oauth_clients[0].redirect_uris[0]', /absolute URL/],
  ])('refuses %s with key path and reason', async (_, uris, path, message) => {
    const hash = await testPasswordHash(SECRET);
    const dir = await writeConfigDir({
      root: {
        realm: '/',
        identity_store: fileIdentityStore(hash, { alice: {} }),
        keys: [{ kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } }],
        instances: { rp: { ...instance(hash), oauth_clients: [{ client_id: 'rp-client', client_secret_hash: hash, redirect_uris: uris }] } },
      },
    });
    expectConfigProblem(await startupError(dir), `instances.rp.${path}`, message);
  });
});
