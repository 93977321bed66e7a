/**
 * Several tokens from one validation (`output_token_states`) over HTTP: an ID token and an access
 * token from one password check, the ID token's at_hash recomputed here with node:crypto, all or
 * nothing (nothing recorded when one output fails after another was made), and the limits.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { expectErrorBody } from '../../support/error-body';
import { basicAuthorization } from '../../support/oauth-client';
import { DEMO_PASSWORD, fileIdentityStore, testPasswordHash, type Json } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';

const ISSUER = 'https://sts.test';
const SECRET = 'a client secret of some length';

function instance(transforms: string[], accessToken: Json = {}): Json {
  return {
    supported_token_transforms: transforms.map((to) => ({ from: 'USERNAME', to })),
    persist_issued_tokens: true,
    oidc: { issuer: ISSUER, audience: ['rp-client'], token_lifetime_seconds: 300, signature_algorithm: 'RS256', signing_key: 'rsa-1' },
    access_token: { issuer: ISSUER, audience: 'api', client_id: 'default-app', allowed_client_ids: ['my-app'], signature_algorithm: 'ES384', signing_key: 'ec-384', ...accessToken },
  };
}

function several(outputs: Json, password = DEMO_PASSWORD): Json {
  return { input_token_state: { token_type: 'USERNAME', username: 'alice', password }, output_token_states: outputs };
}

/** OpenID Connect Core 3.1.3.6, computed independently of the STS: left half of SHA-256 (RS256). */
function expectedAtHash(accessToken: string): string {
  const digest = createHash('sha256').update(Buffer.from(accessToken, 'ascii')).digest();
  return digest.subarray(0, 16).toString('base64url');
}

describe('several tokens from one translate (output_token_states)', () => {
  let server: TestServer;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  let db: Database.Database;

  /** How many tokens the store holds for an instance. */
  const recordedFor = (path: string) => (db.prepare('SELECT COUNT(*) AS n FROM issued_tokens WHERE instance = ?').get(path) as { n: number }).n;

  beforeAll(async () => {
    server = await startTestServer({
      root: {
        realm: '/',
        identity_store: fileIdentityStore(await testPasswordHash(), { alice: { mail: 'alice@example.com' } }),
        keys: [
          { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
          { kid: 'ec-384', use: 'sig', generate: { type: 'ec', curve: 'P-384' } },
        ],
        instances: {
          both: instance(['OPENIDCONNECT', 'JWT']),
          // No default client: an access token must name one, so the second JWT below fails while being made.
          strict: instance(['OPENIDCONNECT', 'JWT'], { client_id: undefined }),
          'id-only': instance(['OPENIDCONNECT']),
          // Client authentication and the instance rate limit apply to a set as to one token.
          'clients-only': {
            ...instance(['OPENIDCONNECT', 'JWT'], { client_id: undefined }),
            translate_client_authentication: 'required',
            oauth_clients: [{ client_id: 'my-app', token_endpoint_auth_method: 'client_secret_basic', client_secret_hash: await testPasswordHash(SECRET) }],
          },
          tight: { ...instance(['OPENIDCONNECT', 'JWT']), rate_limit: { requests: 1, per_seconds: 60 } },
        },
      },
    });
    const keys: JWK[] = (await server.get('/oauth2/both/jwks')).body.keys;
    jwks = createLocalJWKSet({ keys });
    db = new Database(join(server.dataDir, 'tokens.sqlite'), { readonly: true, fileMustExist: true });
  });
  afterAll(async () => {
    db?.close();
    await server?.close();
  });

  it('issues an ID token and an access token from one password check; the ID token carries the at_hash of that access token', async () => {
    const res = await server.post('/rest-sts/both?_action=translate', several({ id_token: { token_type: 'OPENIDCONNECT', nonce: 'n-1' }, access_token: { token_type: 'JWT' } }));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['issued_tokens']);
    const { id_token, access_token } = res.body.issued_tokens;
    expect(Object.keys(res.body.issued_tokens).sort()).toEqual(['access_token', 'id_token']);
    const id = (await jwtVerify(id_token, jwks, { issuer: ISSUER, audience: 'rp-client' })).payload;
    const access = (await jwtVerify(access_token, jwks, { issuer: ISSUER, audience: 'api' })).payload;
    expect(decodeProtectedHeader(id_token).alg).toBe('RS256');
    expect(decodeProtectedHeader(access_token).alg).toBe('ES384');
    expect(id.at_hash).toBe(expectedAtHash(access_token));
    expect(id).toMatchObject({ sub: 'alice', nonce: 'n-1' });
    expect(access).toMatchObject({ sub: 'alice', client_id: 'default-app' });
    expect(access.at_hash).toBeUndefined();
    // Both recorded: each validates on its own.
    const idValid = await server.post('/rest-sts/both?_action=validate', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: id_token } });
    const accessValid = await server.post('/rest-sts/both?_action=validate', { validated_token_state: { token_type: 'JWT', jwt: access_token } });
    expect([idValid.body, accessValid.body]).toEqual([{ token_valid: true, principal: 'alice' }, { token_valid: true, principal: 'alice' }]);
  });

  it('gives an ID token alone in the set no at_hash, and a single translate none either', async () => {
    const set = await server.post('/rest-sts/both?_action=translate', several({ id_token: { token_type: 'OPENIDCONNECT' } }));
    expect(set.status).toBe(200);
    expect((await jwtVerify(set.body.issued_tokens.id_token, jwks)).payload.at_hash).toBeUndefined();
    const single = await server.post('/rest-sts/both?_action=translate', {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'OPENIDCONNECT' },
    });
    expect(Object.keys(single.body)).toEqual(['issued_token']);
    expect((await jwtVerify(single.body.issued_token, jwks)).payload.at_hash).toBeUndefined();
  });

  it('issues nothing and records nothing when one output fails after another was made', async () => {
    const before = recordedFor('/strict');
    // `first` names a client and is made; `second` names none and the instance has no default.
    const res = await server.post('/rest-sts/strict?_action=translate', several({ first: { token_type: 'JWT', client_id: 'my-app' }, second: { token_type: 'JWT' } }));
    expectErrorBody(res, 400, 'client_id_required');
    expect(recordedFor('/strict')).toBe(before);
    // The same set with a client for each works, and both are recorded.
    const ok = await server.post('/rest-sts/strict?_action=translate', several({ first: { token_type: 'JWT', client_id: 'my-app' }, second: { token_type: 'JWT', client_id: 'my-app' } }));
    expect(ok.status).toBe(200);
    expect(recordedFor('/strict')).toBe(before + 2);
  });

  it('refuses a set with an output the instance does not issue from this input (unsupported_transform), issuing nothing', async () => {
    const before = recordedFor('/id-only');
    const res = await server.post('/rest-sts/id-only?_action=translate', several({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } }));
    expectErrorBody(res, 400, 'unsupported_transform');
    expect(recordedFor('/id-only')).toBe(before);
  });

  it('checks the password once for the whole set: a wrong one is one 401', async () => {
    const res = await server.post('/rest-sts/both?_action=translate', several({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } }, 'wrong'));
    expectErrorBody(res, 401, 'invalid_credentials');
  });

  it('asks a set for client authentication where the instance requires it, and issues the access token to that client', async () => {
    const body = several({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } });
    const anonymous = await server.post('/rest-sts/clients-only?_action=translate', body);
    expectErrorBody(anonymous, 401, 'invalid_client');
    const wrong = await server.post('/rest-sts/clients-only?_action=translate', body, { authorization: basicAuthorization('my-app', 'wrong') });
    expectErrorBody(wrong, 401, 'invalid_client');
    const ok = await server.post('/rest-sts/clients-only?_action=translate', body, { authorization: basicAuthorization('my-app', SECRET) });
    expect(ok.status).toBe(200);
    const access = (await jwtVerify(ok.body.issued_tokens.access_token, jwks)).payload;
    expect(access.client_id).toBe('my-app');
  });

  it('counts a set as one request against the instance rate limit', async () => {
    const body = several({ id_token: { token_type: 'OPENIDCONNECT' }, access_token: { token_type: 'JWT' } });
    expect((await server.post('/rest-sts/tight?_action=translate', body)).status).toBe(200);
    expectErrorBody(await server.post('/rest-sts/tight?_action=translate', body), 429, 'rate_limited');
  });

  it.each<[string, Json, number, string]>([
    ['both output_token_state and output_token_states', { output_token_state: { token_type: 'JWT' }, output_token_states: { a: { token_type: 'JWT' } } }, 400, 'invalid_request'],
    ['output_token_states as an array (the shape is a map of names)', { output_token_states: [{ token_type: 'JWT' }] }, 400, 'invalid_output_token_states'],
    ['an empty output_token_states', { output_token_states: {} }, 400, 'invalid_output_token_states'],
    ['an output name that is not a plain word', { output_token_states: { 'id token': { token_type: 'OPENIDCONNECT' } } }, 400, 'invalid_output_token_states'],
    ['an output state that is not an object', { output_token_states: { id_token: 'OPENIDCONNECT' } }, 400, 'invalid_output_token_states'],
    ['nine outputs (at most eight)', { output_token_states: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i}`, { token_type: 'JWT' }])) }, 400, 'too_many_output_tokens'],
    ['an ID token with two access tokens', { output_token_states: { id: { token_type: 'OPENIDCONNECT' }, a: { token_type: 'JWT' }, b: { token_type: 'JWT' } } }, 400, 'ambiguous_access_token'],
    ['an unknown output type', { output_token_states: { x: { token_type: 'NOPE' } } }, 400, 'unknown_token_type'],
    ['an output refused by its own checks (a client not allowed)', { output_token_states: { a: { token_type: 'JWT', client_id: 'stranger' } } }, 400, 'client_id_not_allowed'],
    ['neither output_token_state nor output_token_states', {}, 400, 'invalid_request'],
  ])('refuses %s', async (_name, outputs, status, code) => {
    const before = recordedFor('/both');
    const res = await server.post('/rest-sts/both?_action=translate', { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, ...outputs });
    expectErrorBody(res, status, code);
    expect(recordedFor('/both')).toBe(before);
  });
});
