/**
 * Issue 11: security headers on every answer, tokens never cacheable, and no stack trace,
 * library name or internal detail in any error body.
 */
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ root: await rootRealm() });
});
afterAll(() => server.close());

const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

function headersOf(response: { headers: Headers }, names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
}

test('a token answer carries the security headers and Cache-Control: no-store', async () => {
  const response = await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
  expect(response.status).toBe(200);
  expect(headersOf(response, [...Object.keys(API_HEADERS), 'cache-control'])).toEqual({ ...API_HEADERS, 'cache-control': 'no-store' });
  expect(response.headers.get('strict-transport-security')).toBeNull(); // plain HTTP here; HTTPS adds it
});

test.each([
  ['an unknown route', () => server.get('/no/such/route'), 404, 'not_found'],
  ['malformed JSON', () => server.post('/rest-sts/default?_action=translate', '{"input_token_state":'), 400, 'malformed_json'],
  ['a wrong password', () => server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', 'wrong')), 401, 'invalid_credentials'],
  ['an unknown instance', () => server.post('/rest-sts/nope?_action=translate', usernameToOidc('alice', DEMO_PASSWORD)), 404, 'instance_not_found'],
])('%s: headers, no-store, and a body without internals', async (_what, call, status, code) => {
  const response = await call();
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ code: status, reason: expect.any(String), message: expect.any(String), error: code });
  expect(headersOf(response, Object.keys(API_HEADERS))).toEqual(API_HEADERS);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const text = JSON.stringify(response.body);
  expect(text).not.toMatch(/\bat \S+ \(|:\d+:\d+\)/); // a stack frame
  for (const leak of ['.ts:', '.js:', 'node_modules', 'fastify', 'nestjs', 'Nest', 'class-validator', 'jose', 'xml-crypto', 'Error:']) expect(text).not.toContain(leak);
  expect(response.headers.get('x-powered-by')).toBeNull();
  expect(response.headers.get('server')).toBeNull();
});

test('the JWKS keeps its own public caching', async () => {
  const response = await server.get('/oauth2/default/jwks');
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('public, max-age=300');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
});

test('Swagger UI under /docs gets a CSP that lets it load its own scripts and styles', async () => {
  const response = await fetch(`${server.baseUrl}/docs`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toBe("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
});
