/**
 * A Redis Cluster failover under a light load: one of three primaries (each with a replica) is
 * killed (SIGKILL) while two clients translate into a persisted OIDC instance (needs the store)
 * and one into a stateless one. Requests that need the store answer 200 or 503
 * token_store_unavailable (never a 500, never later than the command timeout allows), the node
 * follows the moved slots by itself once the replica has taken over, every token answered with
 * 200 is still found afterwards (each write is confirmed by a replica of its shard:
 * wait_for_replicas 1), and the stateless transform keeps answering 200.
 * The figures are printed for the operations documentation; only correctness is asserted.
 */
import 'reflect-metadata';
import { measureFailover, PERSISTED_INSTANCE, startFailoverLoad } from '../../support/failover-load';
import { rootRealm } from '../../support/realm-fixtures';
import { startRedisCluster, stopAllRedisClusters, TEST_CLUSTER_USER, until, type RedisTestCluster } from '../../support/redis-cluster';
import { startTestServer, type TestServer } from '../../support/test-server';

const NODE_TIMEOUT_MS = 1000;
const COMMAND_TIMEOUT_MS = 1000;
/** Upper bound of one request: a command timeout, plus a connect timeout and slack for the event loop. */
const REQUEST_BOUND_MS = 5000;
const RECOVERY_BOUND_MS = 20_000;

let cluster: RedisTestCluster;
let node: TestServer;

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
  process.env.TEST_REDIS_PASSWORD = TEST_CLUSTER_USER.password;
  const realm = await rootRealm();
  Object.assign(realm.instances as object, PERSISTED_INSTANCE);
  node = await startTestServer({ root: realm }, {}, {
    token_store: {
      type: 'redis',
      redis: {
        cluster: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        username: TEST_CLUSTER_USER.name,
        password_env: 'TEST_REDIS_PASSWORD',
        wait_for_replicas: 1,
        wait_timeout_ms: 500,
        connect_timeout_ms: 1000,
        command_timeout_ms: COMMAND_TIMEOUT_MS,
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await node?.close();
  await cluster?.stop();
  stopAllRedisClusters();
  delete process.env.TEST_REDIS_PASSWORD;
});

it('answers 503 (never 500) for the failed shard, recovers by itself and loses no token answered with 200', async () => {
  const load = startFailoverLoad(node);
  try {
    await new Promise((done) => setTimeout(done, 1000));
    // Only a replica that has every write may take over: check before the kill.
    await cluster.untilReplicasInSync();
    const before = await cluster.nodes();
    const victim = before.find((n) => n.role === 'primary')!;
    const heir = before.find((n) => n.primaryId === victim.id)!;
    const killedAt = Date.now();
    await cluster.kill(victim.port);
    // The other nodes call it failed after the node timeout and its replica is elected; a
    // supervisor then restarts the crashed process, which rejoins as the new primary's replica.
    // Until then WAIT 1 has no replica to confirm writes to that shard.
    await until('the replica takes over the killed primary\'s slots', RECOVERY_BOUND_MS, async () => (await cluster.nodes(heir.port)).find((n) => n.port === heir.port)?.role === 'primary');
    const promotedAt = Date.now();
    await cluster.restart(victim.port);
    const restartedAt = Date.now();
    // Only a third of the writes goes to the killed shard: count the run of 200s from the restart.
    await load.untilRecovered(killedAt, killedAt + RECOVERY_BOUND_MS, restartedAt);
    await load.stop();

    const { figures, failed, validateStatuses } = await measureFailover(node, load.outcomes, { killedAt, promotedAt, restartedAt });
    console.log(`Cluster failover figures: ${JSON.stringify(figures)}`);

    expect((await cluster.nodes()).find((n) => n.port === victim.port)?.role).toBe('replica');
    // The kill was felt (a third of the writes went to that shard), and only as 503s.
    expect(figures.failed).toBeGreaterThan(0);
    expect(failed.map((o) => `${o.status} ${o.error}`).filter((s) => s !== '503 token_store_unavailable')).toEqual([]);
    expect(figures.slowestRequestMs).toBeLessThan(REQUEST_BOUND_MS);
    expect(load.outcomes.filter((o) => o.instance === 'persisted').slice(-20).every((o) => o.status === 200)).toBe(true);
    expect(validateStatuses).toEqual([200]);
    expect(figures.tokensLost).toBe(0);
    expect(figures.statelessNot200).toBe(0);
  } finally {
    await load.stop();
  }
}, 60_000);
