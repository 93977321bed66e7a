/**
 * `login_backoff.shared: true`: two nodes on one Redis count failed logins against the same user
 * and address, a lock holds on both, a parallel burst spread over both learns no more than the
 * same guesses one at a time, Redis holds no user name in clear, and while Redis is away each
 * node backs off on its own (never a 5xx).
 */
import 'reflect-metadata';
import { join } from 'node:path';
import Redis from 'ioredis';
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../support/redis-server';
import { startupError, startTwoNodes, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

const TRANSLATE = '/rest-sts/default?_action=translate';
const PREFIX = 'backoff-test:';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectStatus(res: TestResponse, status: number, error?: string): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error });
}

let redis: RedisTestServer;
let nodes: TestServer[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  const serverConfig = {
    token_store: { type: 'redis', redis: { url: redis.url, key_prefix: PREFIX } },
    login_backoff: { shared: true, lock_after_user_failures: 3, lock_after_address_failures: 6, first_delay_seconds: 2, max_delay_seconds: 8 },
    trusted_proxies: ['127.0.0.1'],
  };
  nodes = await startTwoNodes({ root: await rootRealm() }, serverConfig);
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await stopAllRedisServers();
});

const login = (node: TestServer, password: string, address: string, username = 'alice') =>
  node.post(TRANSLATE, usernameToOidc(username, password), { 'x-forwarded-for': address });

it('counts one user across both nodes and locks it on both; another address still logs in and clears it', async () => {
  const [a, b] = nodes;
  expectStatus(await login(a, 'wrong', '198.51.100.1'), 401, 'invalid_credentials');
  expectStatus(await login(b, 'wrong', '198.51.100.1', 'Alice'), 401, 'invalid_credentials');
  expectStatus(await login(a, 'wrong', '198.51.100.1'), 401, 'invalid_credentials');
  for (const node of nodes) {
    const res = await login(node, DEMO_PASSWORD, '198.51.100.1');
    expectStatus(res, 429, 'login_backoff');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(2);
  }
  expectStatus(await login(b, DEMO_PASSWORD, '203.0.113.5'), 200, undefined);
  expectStatus(await login(a, DEMO_PASSWORD, '198.51.100.1'), 200, undefined);
});

it('locks an address that fails for many users on both nodes', async () => {
  for (let i = 0; i < 6; i++) expectStatus(await login(nodes[i % 2], 'wrong', '198.51.100.20', `user${i}`), 401, 'invalid_credentials');
  expectStatus(await login(nodes[0], DEMO_PASSWORD, '198.51.100.20'), 429, 'login_backoff');
  expectStatus(await login(nodes[1], DEMO_PASSWORD, '198.51.100.20'), 429, 'login_backoff');
  expectStatus(await login(nodes[1], DEMO_PASSWORD, '198.51.100.21'), 200, undefined);
});

it('answers a parallel burst spread over both nodes with no more "wrong" than one node would', async () => {
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(nodes[i % 2], 'wrong', '198.51.100.30', 'bob')));
  const errors = answers.map((res) => res.body?.error).sort();
  expect(errors).toEqual([...Array<string>(3).fill('invalid_credentials'), ...Array<string>(9).fill('login_backoff')]);
});

it('keeps user names out of Redis: keys carry a digest, values only counts and times', async () => {
  const client = new Redis(redis.url);
  try {
    const keys = await client.keys(`${PREFIX}{lb}:*`);
    expect(keys.some((key) => key.startsWith(`${PREFIX}{lb}:u:`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${PREFIX}{lb}:a:198.51.100.30`))).toBe(true);
    expect(keys.filter((key) => /alice|bob|user\d/i.test(key))).toEqual([]);
    for (const key of keys.filter((k) => k.startsWith(`${PREFIX}{lb}:u:`))) {
      expect(Object.keys(await client.hgetall(key)).sort()).toEqual(expect.arrayContaining(['count']));
      // Forgotten max_delay (8 s) after the lock ends: never kept without an expiry.
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(16_000);
    }
  } finally {
    client.disconnect();
  }
});

it('while Redis is down each node backs off on its own; shared again once it is back', async () => {
  const [a, b] = nodes;
  await redis.stop();
  for (const node of nodes) {
    for (let i = 0; i < 3; i++) expectStatus(await login(node, 'wrong', '192.0.2.9', 'carol'), 401, 'invalid_credentials');
    expectStatus(await login(node, DEMO_PASSWORD, '192.0.2.9', 'carol'), 429, 'login_backoff');
  }
  await redis.restart();
  for (let attempt = 0; attempt < 50 && (await a.get('/health/ready')).status !== 200; attempt++) await sleep(100);
  await sleep(1100);
  // Redis came back empty: carol's local locks are not in it, so the shared count starts again.
  expectStatus(await login(a, 'wrong', '192.0.2.10', 'dave'), 401, 'invalid_credentials');
  expectStatus(await login(b, 'wrong', '192.0.2.10', 'dave'), 401, 'invalid_credentials');
  expectStatus(await login(a, 'wrong', '192.0.2.10', 'dave'), 401, 'invalid_credentials');
  expectStatus(await login(b, DEMO_PASSWORD, '192.0.2.10', 'dave'), 429, 'login_backoff');
});

it('shared: true without a Redis token store stops start-up, naming the key', async () => {
  const dir = await writeConfigDir({ root: await rootRealm() }, { login_backoff: { shared: true } });
  expect((await startupError(dir)).message).toBe(`${join(dir.configDir, 'server.yaml')}: login_backoff.shared: needs token_store.type: redis (shared counters live in Redis)`);
});
