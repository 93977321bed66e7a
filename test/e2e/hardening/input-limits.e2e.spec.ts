/**
 * Issue 11: every input has a limit, and each over-limit input gets its status and stable code
 * (SPEC 4.2 body) while the server keeps serving: body size, JSON nesting, header size, a request
 * that never finishes, bytes that are not HTTP, form parameters, JWT claims (count and nesting)
 * and SAML attributes. Token and XML sizes are in the oidc-jwt-input and saml2-validation suites.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { expectErrorBody } from '../../support/error-body';
import { postForm } from '../../support/oauth-client';
import { asTestResponse, rawExchange } from '../../support/raw-http';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';
import { expectRefused, issuedJwtClaims } from '../../support/translate-results';
import { makeSamlTestIdp, type SamlTestIdp, signedBearerAssertion } from '../../support/xmlsec-assertion';

const IDP = 'https://idp.test';
const SAML_IDP = 'https://idp.test/saml';
const SAML_AUDIENCE = 'https://sts.test/saml-audience';
const SAML_RECIPIENT = 'https://sts.test/rest-sts/saml_in';
const MAX_CLAIMS = 12;
const MAX_ATTRIBUTES = 5;

const work = mkdtempSync(join(tmpdir(), 'sts-limits-'));
const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let samlIdp: SamlTestIdp;

/** `[[[...]]]` nested `depth` levels. */
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A translate body whose input_token_state carries a value nested so that the whole body is `depth` deep. */
function bodyOfDepth(depth: number): string {
  // body (1) > input_token_state (2) > extra (3...)
  return `{"input_token_state":{"token_type":"USERNAME","username":"alice","password":"x","extra":${nestedArrays(depth - 2)}},"output_token_state":{"token_type":"OPENIDCONNECT"}}`;
}

async function idToken(claims: Record<string, unknown>): Promise<string> {
  const key = await importJWK(idpKey.privateKey.export({ format: 'jwk' }), 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: IDP, sub: 'alice', aud: 'sts', iat: now, exp: now + 300, ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'e1', typ: 'JWT' }).sign(key);
}

/** n extra claims named c0, c1, ... on top of iss, sub, aud, iat, exp (5). */
const manyClaims = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, i]));

let server: TestServer;
let port: number;

beforeAll(async () => {
  samlIdp = makeSamlTestIdp(work);
  writeFileSync(join(work, 'idp-jwks.json'), JSON.stringify({ keys: [{ ...idpKey.publicKey.export({ format: 'jwk' }), kid: 'e1', alg: 'ES256' }] }));
  const realm = await rootRealm();
  const instances = realm.instances as Record<string, unknown>;
  server = await startTestServer(
    {
      root: {
        ...realm,
        instances: {
          ...instances,
          oidc_in: oidcInstance('ES256', 'ec-1', {
            supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }],
            oidc_validation: { trusted_issuers: [{ issuer: IDP, jwks_file: join(work, 'idp-jwks.json'), algorithms: ['ES256'], audiences: ['sts'] }], max_claims: MAX_CLAIMS },
          }),
          saml_in: oidcInstance('ES256', 'ec-1', {
            supported_token_transforms: [{ from: 'SAML2', to: 'OPENIDCONNECT' }],
            saml2_validation: { trusted_idps: [{ entity_id: SAML_IDP, certificate_file: samlIdp.cert }], audience: SAML_AUDIENCE, recipients: [SAML_RECIPIENT], max_attributes: MAX_ATTRIBUTES },
          }),
        },
      },
    },
    { maxJsonDepth: 8, maxHeaderBytes: 4096, requestTimeoutMs: 600, adminToken: 'input-limits-admin-token' },
  );
  port = Number(new URL(server.baseUrl).port);
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** After every refusal the server still issues a token. */
async function expectStillServing(): Promise<void> {
  expect(issuedJwtClaims(await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).sub).toBe('alice');
}

describe('request bodies', () => {
  it('over STS_MAX_BODY_BYTES -> 413 payload_too_large', async () => {
    const big = JSON.stringify({ ...usernameToOidc('alice', DEMO_PASSWORD), padding: 'x'.repeat(70 * 1024) });
    expectRefused(await server.post('/rest-sts/default?_action=translate', big), 413, 'payload_too_large');
    await expectStillServing();
  });

  it('nested deeper than STS_MAX_JSON_DEPTH -> 400 json_too_deep; exactly at the limit reaches the handler', async () => {
    expectRefused(await server.post('/rest-sts/default?_action=translate', bodyOfDepth(9)), 400, 'json_too_deep');
    // Depth 8 passes the parser; the USERNAME validator then refuses the unknown field or the password.
    const atLimit = await server.post('/rest-sts/default?_action=translate', bodyOfDepth(8));
    expect(atLimit.status).toBe(401);
    expect(atLimit.body.error).not.toBe('json_too_deep');
    await expectStillServing();
  });

  it('10,000 levels of arrays or objects -> 400 json_too_deep, on every JSON endpoint', async () => {
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    for (const [path, body] of [
      ['/rest-sts/default?_action=translate', nestedArrays(10_000)],
      ['/rest-sts/default?_action=translate', deepObject],
      ['/rest-sts/default?_action=validate', `{"validated_token_state":${deepObject}}`],
      ['/sts-publish/rest?_action=create', deepObject],
    ]) {
      // The admin request has no token: the body is refused before anything else looks at it.
      expectRefused(await server.post(path, body), 400, 'json_too_deep');
    }
    await expectStillServing();
  });
});

describe('headers and connections', () => {
  it('headers over STS_MAX_HEADER_BYTES -> 431 headers_too_large in the SPEC body; under the limit still served', async () => {
    const refused = await fetch(`${server.baseUrl}/health/live`, { headers: { 'x-padding': 'x'.repeat(5000) } });
    const body = (await refused.json()) as Record<string, unknown>;
    expectErrorBody({ status: refused.status, headers: refused.headers, body }, 431, 'headers_too_large');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    const served = await fetch(`${server.baseUrl}/health/live`, { headers: { 'x-padding': 'x'.repeat(3000) } });
    expect(served.status).toBe(200);
    await expectStillServing();
  });

  it('many small headers add up to the same limit -> 431', async () => {
    const headers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, 'y'.repeat(30)]));
    const refused = await fetch(`${server.baseUrl}/health/live`, { headers });
    expect(refused.status).toBe(431);
    expect(((await refused.json()) as { error: string }).error).toBe('headers_too_large');
  });

  it('a body that stops arriving -> 408 request_timeout after STS_REQUEST_TIMEOUT_MS, connection closed', async () => {
    const started = Date.now();
    const raw = await rawExchange(port, 'POST /rest-sts/default?_action=translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"input_token_state":');
    expectErrorBody(asTestResponse(raw), 408, 'request_timeout');
    expect(raw.headers).toMatch(/\r\nConnection: close/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await expectStillServing();
  });

  it('headers that never end -> 408 request_timeout', async () => {
    const raw = await rawExchange(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
    expectErrorBody(asTestResponse(raw), 408, 'request_timeout');
  });

  it('bytes that are not HTTP -> 400 malformed_http', async () => {
    for (const garbage of ['HELLO WORLD\r\n\r\n', 'GET / HTTP/1.1\r\nHost x\r\n\r\n', '\u0000\u0001\u0002\r\n\r\n']) {
      const raw = await rawExchange(port, garbage);
      expectErrorBody(asTestResponse(raw), 400, 'malformed_http');
    }
    await expectStillServing();
  });
});

describe('form parameters at the OAuth endpoints', () => {
  const form = (count: number) => Array.from({ length: count }, (_, i) => `p${i}=v`).join('&');

  it('more than 100 -> 400 too_many_parameters (SPEC body) at introspect', async () => {
    expectErrorBody(await postForm(server.baseUrl, '/oauth2/default/introspect', form(101)), 400, 'too_many_parameters');
    // 100 parameters pass the count and fail client authentication instead.
    expect((await postForm(server.baseUrl, '/oauth2/default/introspect', form(100))).body.error).toBe('invalid_client');
  });

  it('more than 100 -> 400 invalid_request (RFC 6749 body) at the token endpoint', async () => {
    const res = await postForm(server.baseUrl, '/oauth2/default/token', form(5000));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'The form has more than 100 parameters.' });
  });
});

describe('claims and attributes in input tokens', () => {
  const translate = (instance: string, input: object) =>
    server.post(`/rest-sts/${instance}?_action=translate`, { input_token_state: input, output_token_state: { token_type: 'OPENIDCONNECT' } });

  it(`a JWT with more than max_claims (${MAX_CLAIMS}) claims -> 400 jwt_too_many_claims; exactly max_claims is accepted`, async () => {
    const over = await idToken(manyClaims(MAX_CLAIMS - 5 + 1));
    expectRefused(await translate('oidc_in', { token_type: 'OPENIDCONNECT', oidc_id_token: over }), 400, 'jwt_too_many_claims');
    const at = await idToken(manyClaims(MAX_CLAIMS - 5));
    expect(issuedJwtClaims(await translate('oidc_in', { token_type: 'OPENIDCONNECT', oidc_id_token: at })).sub).toBe('alice');
  });

  it('the claim count is checked before the signature: an unsigned token with too many claims gets the same code', async () => {
    const [header, , signature] = (await idToken({})).split('.');
    const payload = Buffer.from(JSON.stringify({ iss: IDP, sub: 'alice', ...manyClaims(50) })).toString('base64url');
    expectRefused(await translate('oidc_in', { token_type: 'OPENIDCONNECT', oidc_id_token: `${header}.${payload}.${signature}` }), 400, 'jwt_too_many_claims');
  });

  it('a JWT claim nested more than 16 levels -> 400 jwt_claims_too_deep; 15 levels inside the payload is accepted', async () => {
    const deep = await idToken({ nested: JSON.parse(nestedArrays(16)) });
    expectRefused(await translate('oidc_in', { token_type: 'OPENIDCONNECT', oidc_id_token: deep }), 400, 'jwt_claims_too_deep');
    const fits = await idToken({ nested: JSON.parse(nestedArrays(15)) });
    expect(issuedJwtClaims(await translate('oidc_in', { token_type: 'OPENIDCONNECT', oidc_id_token: fits })).sub).toBe('alice');
  });

  it(`a SAML assertion with more than max_attributes (${MAX_ATTRIBUTES}) attributes -> 400 saml_too_many_attributes; exactly max is accepted`, async () => {
    const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, `v${i}`]));
    const over = signedBearerAssertion(work, samlIdp, { issuer: SAML_IDP, audience: SAML_AUDIENCE, recipient: SAML_RECIPIENT, nameId: 'alice', attributes: attributes(MAX_ATTRIBUTES + 1) });
    expectRefused(await translate('saml_in', { token_type: 'SAML2', saml2_token: over }), 400, 'saml_too_many_attributes');
    const at = signedBearerAssertion(work, samlIdp, { issuer: SAML_IDP, audience: SAML_AUDIENCE, recipient: SAML_RECIPIENT, nameId: 'alice', attributes: attributes(MAX_ATTRIBUTES) });
    expect(issuedJwtClaims(await translate('saml_in', { token_type: 'SAML2', saml2_token: at })).sub).toBe('alice');
  });
});

describe('defaults', () => {
  it('without overrides: 32 levels of JSON, 16 KiB of headers', async () => {
    const plain = await startTestServer({ root: await rootRealm() });
    try {
      expectRefused(await plain.post('/rest-sts/default?_action=translate', bodyOfDepth(33)), 400, 'json_too_deep');
      expect((await plain.post('/rest-sts/default?_action=translate', bodyOfDepth(32))).body.error).not.toBe('json_too_deep');
      expect((await fetch(`${plain.baseUrl}/health/live`, { headers: { 'x-padding': 'x'.repeat(15 * 1024) } })).status).toBe(200);
      expect((await fetch(`${plain.baseUrl}/health/live`, { headers: { 'x-padding': 'x'.repeat(17 * 1024) } })).status).toBe(431);
    } finally {
      await plain.close();
    }
  });
});
