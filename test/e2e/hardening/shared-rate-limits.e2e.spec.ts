/**
 * `rate_limits.shared: true`: two nodes on one Redis count into the same windows (per address,
 * per instance, overall), and when Redis goes away each node keeps limiting on its own (no 5xx,
 * no unlimited window) until it is back.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { rootRealm } from '../../support/realm-fixtures';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../support/redis-server';
import { startupError, startTwoNodes, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

const translate = (node: TestServer, address: string, instance = 'default') =>
  node.post(`/rest-sts/${instance}?_action=translate`, {}, { 'x-forwarded-for': address });

/** The empty body is refused by the handler (400): anything but 429 means the limits let it through. */
function expectServed(res: TestResponse): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status: 400, error: 'invalid_request' });
}

function expectLimited(res: TestResponse, maxRetryAfter: number): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status: 429, error: 'rate_limited' });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisTestServer;
let nodes: TestServer[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  const serverConfig = {
    token_store: { type: 'redis', redis: { url: redis.url, key_prefix: 'limits-test:' } },
    rate_limits: { shared: true, per_address: { requests: 4, per_seconds: 60 }, per_instance: { requests: 6, per_seconds: 60 } },
    trusted_proxies: ['127.0.0.1'],
  };
  nodes = await startTwoNodes({ root: await rootRealm() }, serverConfig);
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await stopAllRedisServers();
});

it('one address has one window across both nodes', async () => {
  const [a, b] = nodes;
  expectServed(await translate(a, '198.51.100.1'));
  expectServed(await translate(b, '198.51.100.1'));
  expectServed(await translate(a, '198.51.100.1'));
  expectServed(await translate(b, '198.51.100.1'));
  expectLimited(await translate(a, '198.51.100.1'), 60);
  expectLimited(await translate(b, '198.51.100.1'), 60);
  expectServed(await translate(b, '198.51.100.2'));
});

it('one instance has one window across both nodes, whatever the addresses', async () => {
  const [a, b] = nodes;
  for (let i = 0; i < 3; i++) expectServed(await translate(a, `203.0.113.${i}`, 'es256'));
  for (let i = 3; i < 6; i++) expectServed(await translate(b, `203.0.113.${i}`, 'es256'));
  expectLimited(await translate(a, '203.0.113.50', 'es256'), 60);
  expectLimited(await translate(b, '203.0.113.51', 'es256'), 60);
  expectServed(await translate(a, '203.0.113.52', 'hs256'));
});

it('while Redis is down each node limits on its own; shared again once it is back', async () => {
  const [a, b] = nodes;
  await redis.stop();
  // The local windows of this address start empty on each node: four each, then 429, never a 5xx.
  for (let i = 0; i < 4; i++) expectServed(await translate(a, '192.0.2.9', 'hs256'));
  expectLimited(await translate(a, '192.0.2.9', 'hs256'), 60);
  for (let i = 0; i < 4; i++) expectServed(await translate(b, '192.0.2.9', 'hs256'));
  expectLimited(await translate(b, '192.0.2.9', 'hs256'), 60);

  await redis.restart();
  // Both clients reconnect within a second (the token store's shows in readiness); then one window again.
  for (let attempt = 0; attempt < 50 && (await a.get('/health/ready')).status !== 200; attempt++) await sleep(100);
  await sleep(1100);
  expectServed(await translate(b, '192.0.2.10', 'hs256'));
  for (let i = 0; i < 4; i++) expectServed(await translate(i % 2 ? a : b, '192.0.2.11', 'hs256'));
  expectLimited(await translate(a, '192.0.2.11', 'hs256'), 60);
  expectLimited(await translate(b, '192.0.2.11', 'hs256'), 60);
});

it('shared: true without a Redis token store stops start-up, naming the key', async () => {
  const dir = await writeConfigDir({ root: await rootRealm() }, { rate_limits: { shared: true, per_address: { requests: 5 } } });
  expect((await startupError(dir)).message).toBe(`${join(dir.configDir, 'server.yaml')}: rate_limits.shared: needs token_store.type: redis (shared counters live in Redis)`);
});
