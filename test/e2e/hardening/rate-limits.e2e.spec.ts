/**
 * server.yaml `rate_limits`: per client address and over all clients, 429 `rate_limited` with
 * Retry-After on /rest-sts, /oauth2 POSTs and the admin API; health, metrics, JWKS and docs exempt.
 */
import { rootRealm } from '../../support/realm-fixtures';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';

const TRANSLATE = '/rest-sts/default?_action=translate';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Any answer but 429 means the limit let the request through (the body here is deliberately refused). */
const translate = (server: TestServer, headers: Record<string, string> = {}) => server.post(TRANSLATE, {}, headers);
const from = (address: string) => ({ 'x-forwarded-for': address });

function expectRateLimited(res: TestResponse, maxRetryAfter: number): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status: 429, error: 'rate_limited' });
  expect(res.body).toEqual({ code: 429, reason: 'Too Many Requests', message: expect.any(String), error: 'rate_limited' });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('rate limits', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });
  const start = async (serverConfig: object, overrides = {}) => {
    const server = await startTestServer({ root: await rootRealm() }, overrides, serverConfig);
    servers.push(server);
    return server;
  };

  it('are off without rate_limits', async () => {
    const server = await start({});
    for (let i = 0; i < 30; i++) {
      const res = await translate(server);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_request' });
    }
  });

  it('refuse an address over its limit with 429 rate_limited and Retry-After, until the window ends', async () => {
    const server = await start({ rate_limits: { per_address: { requests: 3, per_seconds: 2 } } });
    for (let i = 0; i < 3; i++) expect((await translate(server)).status).toBe(400);
    expectRateLimited(await translate(server), 2);
    expectRateLimited(await server.post('/oauth2/default/introspect', {}), 2);
    expectRateLimited(await server.post('/oauth2/default/token', {}), 2);
    expectRateLimited(await server.get('/sts-publish/rest'), 2);
    // A differently spelled path either reaches the same handler and is limited (the route
    // template counts, not the raw URL), or reaches no handler at all.
    expectRateLimited(await server.post('/%72est-sts/default?_action=translate', {}), 2);
    for (const path of ['//rest-sts/default?_action=translate', '/REST-STS/default?_action=translate']) {
      const res = await server.post(path, {});
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 404, error: 'not_found' });
    }

    await sleep(2100);
    const res = await translate(server);
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('limit the admin API and the OAuth endpoints too', async () => {
    const server = await start({ rate_limits: { per_address: { requests: 2, per_seconds: 60 } } }, { adminToken: 'admin-token-0123456789abcdef' });
    const admin = () => fetch(`${server.baseUrl}/sts-publish/rest`, { headers: { authorization: 'Bearer admin-token-0123456789abcdef' } });
    expect((await admin()).status).toBe(200);
    expect((await server.post('/oauth2/default/revoke', {})).status).not.toBe(429);
    const res = await admin();
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: string }).error).toBe('rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(50);
  });

  it('leave health, metrics, JWKS, metadata and docs alone', async () => {
    const server = await start({ rate_limits: { per_address: { requests: 1, per_seconds: 60 }, overall: { requests: 1, per_seconds: 60 } } });
    await translate(server);
    expectRateLimited(await translate(server), 60);
    for (const path of ['/health/live', '/health/ready', '/metrics', '/oauth2/default/jwks', '/jwks', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/docs/json']) {
      for (let i = 0; i < 3; i++) expect({ path, status: (await fetch(server.baseUrl + path)).status }).toEqual({ path, status: 200 });
    }
  });

  it('count each client behind a trusted proxy by its X-Forwarded-For address', async () => {
    const server = await start({ rate_limits: { per_address: { requests: 2, per_seconds: 60 } }, trusted_proxies: ['127.0.0.0/8'] });
    for (let i = 0; i < 2; i++) expect((await translate(server, from('198.51.100.1'))).status).toBe(400);
    expectRateLimited(await translate(server, from('198.51.100.1')), 60);
    // The proxy's own entry on the right is what counts, not what the client wrote on the left.
    expectRateLimited(await translate(server, from('203.0.113.50, 198.51.100.1')), 60);
    expect((await translate(server, from('198.51.100.2'))).status).toBe(400);
    // One IPv6 host holds a /64: another address in it shares the limit.
    for (let i = 0; i < 2; i++) expect((await translate(server, from(`2001:db8:0:1::${i + 1}`))).status).toBe(400);
    expectRateLimited(await translate(server, from('2001:db8:0:1:ffff::9')), 60);
  });

  it('ignore X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const server = await start({ rate_limits: { per_address: { requests: 2, per_seconds: 60 } } });
    for (let i = 0; i < 2; i++) expect((await translate(server, from(`198.51.100.${i}`))).status).toBe(400);
    expectRateLimited(await translate(server, from('198.51.100.77')), 60);
    expectRateLimited(await translate(server), 60);
  });

  it('apply the overall limit whatever the address', async () => {
    const server = await start({
      rate_limits: { per_address: { requests: 100, per_seconds: 60 }, overall: { requests: 3, per_seconds: 1 } },
      trusted_proxies: ['127.0.0.1'],
    });
    for (let i = 0; i < 3; i++) expect((await translate(server, from(`198.51.100.${i}`))).status).toBe(400);
    expectRateLimited(await translate(server, from('198.51.100.200')), 1);
    expectRateLimited(await translate(server, from('203.0.113.1')), 1);
    expect((await server.get('/health/live')).status).toBe(200);
    await sleep(1100);
    expect((await translate(server, from('203.0.113.1'))).status).toBe(400);
  });
});

describe('per-instance rate limits', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const realmWith = async (instances: Record<string, object>) => {
    const realm = await rootRealm();
    return { root: { ...realm, instances: { ...(realm.instances as object), ...instances } } };
  };

  it('rate_limits.per_instance gives every instance its own window, on /rest-sts and /oauth2 alike', async () => {
    server = await startTestServer({ root: await rootRealm() }, {}, { rate_limits: { per_instance: { requests: 3, per_seconds: 60 } } });
    for (let i = 0; i < 2; i++) expect((await translate(server)).status).toBe(400);
    expect((await server.post('/oauth2/default/introspect', {})).status).toBe(415);
    expectRateLimited(await translate(server), 60);
    // The token endpoint answers this 429 in the SPEC shape too, like the per-address limit.
    expectRateLimited(await server.post('/oauth2/default/token', {}), 60);
    // Another instance has its own window; the JWKS and unknown instances are not counted.
    for (let i = 0; i < 3; i++) expect((await server.post('/rest-sts/es256?_action=translate', {})).status).toBe(400);
    expectRateLimited(await server.post('/rest-sts/es256?_action=translate', {}), 60);
    expect((await server.get('/oauth2/default/jwks')).status).toBe(200);
    expect((await server.post('/rest-sts/nope?_action=translate', {})).body.error).toBe('instance_not_found');
  });

  it("an instance's own rate_limit replaces the server's, and works without any rate_limits section", async () => {
    const tight = { ...((await rootRealm()).instances as Record<string, object>).default, rate_limit: { requests: 2, per_seconds: 1 } };
    server = await startTestServer(await realmWith({ tight }));
    for (let i = 0; i < 2; i++) expect((await server.post('/rest-sts/tight?_action=translate', {})).status).toBe(400);
    expectRateLimited(await server.post('/rest-sts/tight?_action=translate', {}), 1);
    for (let i = 0; i < 20; i++) expect((await translate(server)).status).toBe(400);
    await sleep(1100);
    expect((await server.post('/rest-sts/tight?_action=translate', {})).status).toBe(400);
  });

  it('a request the per-address limit refuses does not use up the instance window', async () => {
    server = await startTestServer({ root: await rootRealm() }, {}, {
      rate_limits: { per_address: { requests: 2, per_seconds: 60 }, per_instance: { requests: 3, per_seconds: 60 } },
      trusted_proxies: ['127.0.0.1'],
    });
    for (let i = 0; i < 2; i++) expect((await translate(server, from('198.51.100.1'))).status).toBe(400);
    for (let i = 0; i < 5; i++) expectRateLimited(await translate(server, from('198.51.100.1')), 60);
    expect((await translate(server, from('198.51.100.2'))).status).toBe(400);
    expectRateLimited(await translate(server, from('198.51.100.3')), 60);
  });
});
