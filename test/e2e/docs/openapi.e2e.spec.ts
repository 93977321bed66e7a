/**
 * SPEC 4.4 `GET /docs`: the OpenAPI document generated from the controllers. An independent
 * validator (@readme/openapi-parser) checks it; every SPEC endpoint is in it, and every path in
 * it is a route the server really has.
 */
import { validate } from '@readme/openapi-parser';
import { rootRealm } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';

let server: TestServer;
let document: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the document under test
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  server = await startTestServer({ root: await rootRealm() }, { adminToken: 'an-admin-token-for-docs-tests' });
  document = (await server.get('/docs/json')).body;
  for (const [path, item] of Object.entries<Record<string, unknown>>(document.paths)) {
    for (const method of Object.keys(item)) routes.push({ method: method.toUpperCase(), url: path });
  }
});
afterAll(() => server.close());

test('GET /docs serves the Swagger UI', async () => {
  const response = await fetch(`${server.baseUrl}/docs`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/html');
  expect(await response.text()).toContain('swagger');
});

test('the document is valid OpenAPI 3 (checked by @readme/openapi-parser)', async () => {
  expect(document.openapi).toMatch(/^3\./);
  await expect(validate(structuredClone(document))).resolves.toMatchObject({ valid: true });
});

test('/docs/yaml serves the same document as YAML', async () => {
  const response = await fetch(`${server.baseUrl}/docs/yaml`);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('/rest-sts/{instance}:');
});

test('every endpoint of SPEC section 4 is documented, instance paths as {instance}', () => {
  expect(routes).toEqual(
    expect.arrayContaining([
      { method: 'POST', url: '/rest-sts/{instance}' },
      { method: 'GET', url: '/oauth2/{instance}/jwks' },
      { method: 'POST', url: '/oauth2/{instance}/token' },
      { method: 'POST', url: '/oauth2/{instance}/introspect' },
      { method: 'POST', url: '/oauth2/{instance}/revoke' },
      { method: 'GET', url: '/.well-known/oauth-authorization-server' },
      { method: 'GET', url: '/.well-known/oauth-authorization-server/{issuer_path}' },
      { method: 'GET', url: '/.well-known/openid-configuration' },
      { method: 'GET', url: '/{issuer_path}/.well-known/openid-configuration' },
      { method: 'GET', url: '/jwks' },
      { method: 'GET', url: '/jwks/{issuer_path}' },
      { method: 'GET', url: '/ext/{jwks_endpoint_path}' },
      { method: 'GET', url: '/ext/oauth/x509/kid' },
      { method: 'GET', url: '/ext/oauth/x509/x5t' },
      { method: 'GET', url: '/saml2/{instance}/metadata' },
      { method: 'GET', url: '/sts-publish/rest' },
      { method: 'POST', url: '/sts-publish/rest' },
      { method: 'GET', url: '/sts-publish/rest/{instance}' },
      { method: 'PUT', url: '/sts-publish/rest/{instance}' },
      { method: 'DELETE', url: '/sts-publish/rest/{instance}' },
      { method: 'GET', url: '/health/live' },
      { method: 'GET', url: '/health/ready' },
    ]),
  );
  expect(routes.filter((r) => r.url.includes('*'))).toEqual([]);
  for (const { url } of routes.filter((r) => r.url.includes('{instance}'))) {
    for (const operation of Object.values<any>(document.paths[url])) expect(operation.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'instance', in: 'path' })]));
  }
});

test('every documented operation is a route Fastify has (instance paths are wildcard routes)', () => {
  const fastify = server.app.getHttpAdapter().getInstance();
  // {issuer path}/.well-known/openid-configuration is rewritten to /.well-known/openid-configuration/* before routing.
  const discovery = '/{issuer_path}/.well-known/openid-configuration';
  const routeOf = (url: string) => (url === discovery ? '/.well-known/openid-configuration/*' : url.replace(/\{[^}]+\}.*$/, '*'));
  const missing = routes.filter(({ method, url }) => !fastify.hasRoute({ method: method as 'GET', url: routeOf(url) }));
  expect(missing).toEqual([]);
  expect(fastify.hasRoute({ method: 'POST', url: '/not-an-endpoint/*' })).toBe(false);
});

test('the translate operation carries the SPEC 4.1 request example and the SPEC 4.2 error shape', () => {
  const operation = document.paths['/rest-sts/{instance}'].post;
  expect(operation.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: '_action', in: 'query', required: true })]));
  expect(operation.requestBody.content['application/json'].examples['username-to-oidc'].value).toEqual({
    input_token_state: { token_type: 'USERNAME', username: 'demo', password: '...' },
    output_token_state: { token_type: 'OPENIDCONNECT', nonce: '1234', allow_access: true },
  });
  expect(operation.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  expect(document.components.schemas.Error.required).toEqual(['code', 'reason', 'message', 'error']);
});

test('the admin API is documented with its bearer token, the OAuth endpoints with client authentication', () => {
  expect(document.components.securitySchemes.admin).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(document.paths['/sts-publish/rest'].get.security).toEqual([{ admin: [] }]);
  expect(document.paths['/oauth2/{instance}/introspect'].post.security).toEqual([{ client: [] }]);
  expect(Object.keys(document.paths['/oauth2/{instance}/token'].post.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
});

test('STS_DOCS=false: /docs and its document answer 404', async () => {
  const quiet = await startTestServer({ root: await rootRealm() }, { docs: false });
  try {
    expect((await quiet.get('/docs/json')).status).toBe(404);
    expect((await fetch(`${quiet.baseUrl}/docs`)).status).toBe(404);
  } finally {
    await quiet.close();
  }
});

test('429 with Retry-After is documented exactly on the operations rate limits apply to', () => {
  const limited: string[] = [];
  for (const [url, item] of Object.entries<any>(document.paths)) {
    for (const [method, operation] of Object.entries<any>(item)) {
      if (operation.responses['429']) {
        limited.push(`${method.toUpperCase()} ${url}`);
        expect(operation.responses['429'].headers['Retry-After'].schema).toEqual({ type: 'integer', minimum: 1 });
        expect(operation.responses['429'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  }
  expect(limited).toEqual(expect.arrayContaining(['POST /rest-sts/{instance}', 'POST /oauth2/{instance}/token', 'POST /oauth2/{instance}/introspect', 'POST /oauth2/{instance}/revoke', 'GET /sts-publish/rest', 'POST /sts-publish/rest', 'DELETE /sts-publish/rest/{instance}']));
  for (const free of ['GET /oauth2/{instance}/jwks', 'GET /health/live', 'GET /health/ready', 'GET /metrics']) expect(limited).not.toContain(free);
});
