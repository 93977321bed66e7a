/** A Redis that speaks TLS only and has an ACL user: the store connects with the CA and the user's password, and fails with 503 otherwise. */
import { startRedisTlsServer, stopAllRedisTlsServers, type RedisTlsTestServer } from '../../test/support/redis-tls';
import { expectUnavailable, issuedRecord, sleep, uniqueKey } from '../../test/support/token-store-contract';
import { connectedStore } from '../../test/support/redis-store-operations';
import type { RedisBackendSettings } from '../server-config/server-config';
import { RedisTokenStore } from './redis-token-store';

const USER = { name: 'sts', password: 'test-acl-password' };
let redis: RedisTlsTestServer;
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
  redis = await startRedisTlsServer(USER);
}, 30_000);

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

afterAll(async () => {
  await redis?.stop();
  stopAllRedisTlsServers();
});

function backend(overrides: Partial<RedisBackendSettings> = {}): RedisBackendSettings {
  return {
    type: 'redis',
    url: `rediss://127.0.0.1:${redis.port}/0`,
    tls: { ca: redis.caPem },
    username: USER.name,
    password: USER.password,
    keyPrefix: 'tls-test:',
    connectTimeoutMs: 1000,
    commandTimeoutMs: 1000,
    waitForReplicas: 0,
    waitTimeoutMs: 500,
    ...overrides,
  };
}

function unconnected(settings: RedisBackendSettings): RedisTokenStore {
  const store = new RedisTokenStore(settings, { log: jest.fn(), warn: jest.fn() });
  stores.push(store);
  return store;
}

it('keeps and finds records over TLS as the ACL user', async () => {
  const store = await connectedStore(backend());
  stores.push(store);
  const hash = uniqueKey('h');
  await store.saveIssued(hash, issuedRecord());
  expect(await store.findIssued(hash, Date.now())).toMatchObject({ principal: 'alice' });
});

/** Every ping for a second and a half answers 503 (a good configuration connects within 100 ms). */
async function neverConnects(settings: RedisBackendSettings): Promise<void> {
  const store = unconnected(settings);
  for (const until = Date.now() + 1500; Date.now() < until; ) {
    await expectUnavailable(store.ping());
    await sleep(100);
  }
}

it('fails with 503 with a wrong password, without the CA, and with another server_name', async () => {
  await neverConnects(backend({ password: 'wrong' }));
  await neverConnects(backend({ tls: {} }));
  await neverConnects(backend({ tls: { ca: redis.caPem, serverName: 'other.example' } }));
});
