/**
 * Creating, changing and removing instances from the console: through the admin API's own
 * publisher; a refused configuration answered with each problem at its instance key; If-Match
 * required and a stale one refused, so a concurrent edit is reported rather than lost.
 */
import 'reflect-metadata';
import { ConsoleInstancesController } from '../../../src/console/console-instances.controller';
import { PublishController } from '../../../src/realms/publish/publish.controller';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc, type Json } from '../../support/realm-fixtures';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';
import { CONSOLE_ADMIN_TOKEN, ConsoleClient } from './console-client';

const PARTNERS: Json = { realm: '/', name: 'partners', ...oidcInstance('ES256', 'ec-1') };

describe('console instance editing', () => {
  let server: TestServer;
  let client: ConsoleClient;

  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() }, { adminToken: CONSOLE_ADMIN_TOKEN });
    client = new ConsoleClient(server.baseUrl);
    await client.signIn();
  });
  afterAll(() => server.close());

  /** A change with If-Match. */
  const withRevision = (method: 'PUT' | 'DELETE', path: string, revision: string | undefined, body?: unknown): Promise<TestResponse> =>
    fetch(server.baseUrl + path, {
      method,
      headers: { cookie: client.cookie!, 'x-csrf-token': client.csrfToken!, ...(revision !== undefined && { 'if-match': revision }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    }).then(async (response) => ({ status: response.status, headers: response.headers, body: await response.json() }));

  it('publishes through the admin API\'s publisher, so edits from both queue together', () => {
    const console = server.app.get(ConsoleInstancesController, { strict: false }) as unknown as { publisher: unknown };
    const api = server.app.get(PublishController, { strict: false }) as unknown as { publisher: unknown };
    expect(console.publisher).toBe(api.publisher);
  });

  it('refuses a bad value with the problem at its field, and writes nothing', async () => {
    const response = await client.send('POST', '/console/api/instances', { ...PARTNERS, oidc: { ...PARTNERS.oidc, signing_key: 'no-such-key' } });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body).sort()).toEqual(['code', 'error', 'fields', 'message', 'reason']);
    expect(response.body.error).toBe('invalid_instance_state');
    expect(response.body.fields).toEqual([{ field: 'oidc.signing_key', message: expect.stringContaining('no-such-key') }]);
    expect((await server.post('/rest-sts/partners?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(404);
  });

  it('refuses a body without a name: 400 invalid_request', async () => {
    expectErrorBody(await client.send('POST', '/console/api/instances', { realm: '/' }), 400, 'invalid_request');
  });

  let revision: string;

  it('creates a good instance, which is served at once', async () => {
    const response = await client.send('POST', '/console/api/instances', PARTNERS);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ path: '/partners', revision: expect.any(String) });
    revision = response.body.revision;
    expect((await server.post('/rest-sts/partners?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(200);
  });

  it('refuses a change without If-Match (428 revision_required) or with a stale one (412 revision_mismatch)', async () => {
    const changed = { ...PARTNERS, oidc: { ...PARTNERS.oidc, audience: ['another-client'] } };
    expectErrorBody(await withRevision('PUT', '/console/api/instances/partners', undefined, changed), 428, 'revision_required');
    // Someone else changes it meanwhile, over the admin API.
    const meanwhile = await fetch(`${server.baseUrl}/sts-publish/rest/partners`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${CONSOLE_ADMIN_TOKEN}`, 'content-type': 'application/json', 'if-match': `"${revision}"` },
      body: JSON.stringify({ instance_state: { ...PARTNERS, oidc: { ...PARTNERS.oidc, audience: ['their-client'] } } }),
    });
    expect(meanwhile.status).toBe(200);
    expectErrorBody(await withRevision('PUT', '/console/api/instances/partners', `"${revision}"`, changed), 412, 'revision_mismatch');
    expect((await client.get('/console/api/instances/partners')).body.published.oidc.audience).toEqual(['their-client']);
  });

  it('changes it with the current revision, mapping a problem in a list to its field', async () => {
    revision = (await client.get('/console/api/instances/partners')).body.revision;
    const bad = await withRevision('PUT', '/console/api/instances/partners', `"${revision}"`, { ...PARTNERS, supported_token_transforms: [{ from: 'USERNAME', to: 'NOPE' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ field: expect.stringMatching(/^supported_token_transforms\[0\]/), message: expect.any(String) }]);
    const good = await withRevision('PUT', '/console/api/instances/partners', `"${revision}"`, { ...PARTNERS, oidc: { ...PARTNERS.oidc, audience: ['mine'] } });
    expect(good.status).toBe(200);
    expect(good.headers.get('etag')).toBe(`"${good.body.revision}"`);
    revision = good.body.revision;
  });

  it('removes it with the current revision; it is gone at once', async () => {
    expectErrorBody(await withRevision('DELETE', '/console/api/instances/partners', undefined), 428, 'revision_required');
    const removed = await withRevision('DELETE', '/console/api/instances/partners', `"${revision}"`);
    expect([removed.status, removed.body]).toEqual([200, { path: '/partners' }]);
    expectErrorBody(await client.get('/console/api/instances/partners'), 404, 'instance_not_found');
  });
});
