/** Every store operation on a real 3-primary Redis Cluster, as an ACL user: the keys of each multi-key operation share a slot. */
import Redis from 'ioredis';
import { startRedisCluster, stopAllRedisClusters, TEST_CLUSTER_USER, type RedisTestCluster } from '../../test/support/redis-cluster';
import { connectedStore, describeEveryRedisStoreOperation } from '../../test/support/redis-store-operations';
import { issuedRecord, uniqueKey } from '../../test/support/token-store-contract';
import type { RedisBackendSettings } from '../server-config/server-config';

let cluster: RedisTestCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
  stopAllRedisClusters();
});

function clusterBackend(): RedisBackendSettings {
  // One seed is enough: the client learns the other primaries from it.
  return { type: 'redis', cluster: [{ host: '127.0.0.1', port: cluster.ports[0] }], username: TEST_CLUSTER_USER.name, password: TEST_CLUSTER_USER.password, keyPrefix: 'cluster-test:', connectTimeoutMs: 2000, commandTimeoutMs: 1000, waitForReplicas: 0, waitTimeoutMs: 500 };
}

describeEveryRedisStoreOperation('RedisTokenStore on a Cluster', clusterBackend);

it('spreads token records over the primaries', async () => {
  const store = await connectedStore(clusterBackend());
  try {
    for (let i = 0; i < 30; i++) await store.saveIssued(uniqueKey('h'), issuedRecord());
    const counts = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis({ port, host: '127.0.0.1', username: TEST_CLUSTER_USER.name, password: TEST_CLUSTER_USER.password });
        try {
          return (await node.keys('cluster-test:tok:*')).length;
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(counts.filter((count) => count > 0)).toHaveLength(3);
  } finally {
    await store.close();
  }
});

it('sends WAIT with the write to the key\'s primary: without replicas a write that needs one answers 503', async () => {
  const store = await connectedStore({ ...clusterBackend(), waitForReplicas: 1, waitTimeoutMs: 100 });
  try {
    const error = await store.saveIssued(uniqueKey('h'), issuedRecord()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: 'token_store_unavailable' });
    expect(String((error as Error).cause)).toMatch(/only 0 of 1 replicas confirmed the write in time/);
  } finally {
    await store.close();
  }
});
