/** Every store operation on a real Sentinel set (primary + replica + 3 sentinels, ACL users and a sentinel password), each write confirmed by the replica (WAIT 1). */
import { startRedisSentinelSet, stopAllRedisSentinelSets, SENTINEL_PRIMARY_NAME, TEST_SENTINEL_USERS, type RedisTestSentinelSet } from '../../test/support/redis-sentinel';
import { connectedStore, describeEveryRedisStoreOperation } from '../../test/support/redis-store-operations';
import { issuedRecord, uniqueKey } from '../../test/support/token-store-contract';
import type { RedisBackendSettings } from '../server-config/server-config';

let sentinels: RedisTestSentinelSet;

beforeAll(async () => {
  sentinels = await startRedisSentinelSet();
}, 30_000);

afterAll(async () => {
  await sentinels?.stop();
  stopAllRedisSentinelSets();
});

function sentinelBackend(waitForReplicas = 1): RedisBackendSettings {
  return {
    type: 'redis',
    sentinel: { sentinels: sentinels.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })), name: SENTINEL_PRIMARY_NAME, password: TEST_SENTINEL_USERS.sentinelPassword },
    username: TEST_SENTINEL_USERS.data.name,
    password: TEST_SENTINEL_USERS.data.password,
    keyPrefix: 'sentinel-test:',
    connectTimeoutMs: 2000,
    commandTimeoutMs: 1000,
    waitForReplicas,
    waitTimeoutMs: 500,
  };
}

describeEveryRedisStoreOperation('RedisTokenStore on a Sentinel set', () => sentinelBackend());

it('refuses a write with 503 when fewer replicas than required confirm it', async () => {
  const store = await connectedStore(sentinelBackend(2));
  try {
    const error = await store.saveIssued(uniqueKey('h'), issuedRecord()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: 'token_store_unavailable' });
    expect(String((error as Error).cause)).toMatch(/only 1 of 2 replicas confirmed the write in time/);
  } finally {
    await store.close();
  }
});
