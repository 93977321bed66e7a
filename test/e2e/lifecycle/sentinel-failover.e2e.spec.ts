/**
 * A Sentinel failover under a light load: the primary is killed (SIGKILL) while two clients
 * translate into a persisted OIDC instance (needs the store) and one into a stateless one.
 * Requests that need the store answer 200 or 503 token_store_unavailable (never a 500, never
 * later than the command timeout allows), the node recovers by itself once the sentinels have
 * promoted the replica, every token answered with 200 is still found afterwards (each write is
 * confirmed by the replica: wait_for_replicas 1), and the stateless transform keeps answering 200.
 * The figures are printed for the operations documentation; only correctness is asserted.
 */
import 'reflect-metadata';
import { measureFailover, PERSISTED_INSTANCE, startFailoverLoad } from '../../support/failover-load';
import { rootRealm } from '../../support/realm-fixtures';
import { startRedisSentinelSet, stopAllRedisSentinelSets, SENTINEL_PRIMARY_NAME, TEST_SENTINEL_USERS, type RedisTestSentinelSet } from '../../support/redis-sentinel';
import { startTestServer, type TestServer } from '../../support/test-server';

const COMMAND_TIMEOUT_MS = 1000;
/** Upper bound of one request: a command timeout, plus a connect timeout and slack for the event loop. */
const REQUEST_BOUND_MS = 5000;
const RECOVERY_BOUND_MS = 30_000;

let sentinels: RedisTestSentinelSet;
let node: TestServer;

beforeAll(async () => {
  sentinels = await startRedisSentinelSet();
  process.env.TEST_SENTINEL_PASSWORD = TEST_SENTINEL_USERS.sentinelPassword;
  process.env.TEST_REDIS_PASSWORD = TEST_SENTINEL_USERS.data.password;
  const realm = await rootRealm();
  Object.assign(realm.instances as object, PERSISTED_INSTANCE);
  node = await startTestServer({ root: realm }, {}, {
    token_store: {
      type: 'redis',
      redis: {
        sentinels: sentinels.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
        name: SENTINEL_PRIMARY_NAME,
        sentinel_password_env: 'TEST_SENTINEL_PASSWORD',
        username: TEST_SENTINEL_USERS.data.name,
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
  await sentinels?.stop();
  stopAllRedisSentinelSets();
  delete process.env.TEST_SENTINEL_PASSWORD;
  delete process.env.TEST_REDIS_PASSWORD;
});

it('answers 503 (never 500) during the failover, recovers by itself and loses no token answered with 200', async () => {
  const load = startFailoverLoad(node);
  await new Promise((done) => setTimeout(done, 1000));
  const oldPrimary = await sentinels.primaryPort();
  const killedAt = Date.now();
  await sentinels.killPrimary();
  // The sentinels promote the replica; a supervisor then restarts the crashed process as the new
  // primary's replica. Until then WAIT 1 has no replica to confirm writes.
  while ((await sentinels.primaryPort()) === oldPrimary) {
    if (Date.now() > killedAt + RECOVERY_BOUND_MS) throw new Error('the sentinels did not promote the replica');
    await new Promise((done) => setTimeout(done, 100));
  }
  const promotedAt = Date.now();
  await sentinels.restart(oldPrimary, await sentinels.primaryPort());
  const restartedAt = Date.now();
  await load.untilRecovered(killedAt, killedAt + RECOVERY_BOUND_MS);
  await load.stop();

  const { figures, failed, validateStatuses } = await measureFailover(node, load.outcomes, { killedAt, promotedAt, restartedAt });
  console.log(`Sentinel failover figures: ${JSON.stringify(figures)}`);

  // The promotion was seen above (the loop waits for it). Which process is primary now is not
  // asserted: on a loaded machine the sentinels may fail over again, back to the restarted one,
  // which is as correct; what must hold is below.
  expect(failed.map((o) => `${o.status} ${o.error}`).filter((s) => s !== '503 token_store_unavailable')).toEqual([]);
  expect(figures.slowestRequestMs).toBeLessThan(REQUEST_BOUND_MS);
  expect(load.outcomes.filter((o) => o.instance === 'persisted').slice(-20).every((o) => o.status === 200)).toBe(true);
  expect(validateStatuses).toEqual([200]);
  expect(figures.tokensLost).toBe(0);
  expect(figures.statelessNot200).toBe(0);
}, 90_000);
