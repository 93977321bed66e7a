/**
 * Several nodes on one token store (SPEC 1: "a store that lets several nodes share state"), and
 * the store going away: requests that need it get 503 token_store_unavailable, stateless
 * transforms keep working, and the node recovers by itself when Redis is back.
 */
import 'reflect-metadata';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../support/redis-server';
import { startTestServer, startTwoNodes, type TestServer } from '../../support/test-server';

async function realmFile(): Promise<object> {
  const realm = await rootRealm();
  Object.assign(realm.instances as object, { persisted: oidcInstance('ES256', 'ec-1', { persist_issued_tokens: true }) });
  return realm;
}

const login = { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT' } };
const translate = (node: TestServer, instance: string) => node.post(`/rest-sts/${instance}?_action=translate`, login);
const validate = (node: TestServer, token: string) =>
  node.post('/rest-sts/persisted?_action=validate', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: token } });
const cancel = (node: TestServer, token: string) =>
  node.post('/rest-sts/persisted?_action=cancel', { cancelled_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: token } });

afterAll(() => stopAllRedisServers());

describe.each([
  ['SQLite (one file, two processes on one host)', async () => ({ serverConfig: undefined, stop: async () => undefined })],
  [
    'Redis',
    async () => {
      const redis = await startRedisServer();
      return { serverConfig: { token_store: { type: 'redis', redis: { url: redis.url } } }, stop: () => redis.stop() };
    },
  ],
])('two nodes sharing the %s token store', (_, startStore) => {
  let nodes: TestServer[];
  let stopStore: () => Promise<void>;

  beforeAll(async () => {
    const store = await startStore();
    stopStore = store.stop;
    nodes = await startTwoNodes({ root: await realmFile() }, store.serverConfig);
  });
  afterAll(async () => {
    for (const node of nodes ?? []) await node.close();
    await stopStore?.();
  });

  it('validates on one node what the other issued, and a cancel on either holds on both', async () => {
    const [a, b] = nodes;
    const token = (await translate(a, 'persisted')).body.issued_token;
    expect((await validate(b, token)).body).toEqual({ token_valid: true, principal: 'alice' });
    expect((await cancel(b, token)).body.result).toMatch(/cancelled successfully/);
    expect((await validate(a, token)).body).toEqual({ token_valid: false });
  });
});

describe('when Redis goes away', () => {
  let redis: RedisTestServer;
  let node: TestServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    node = await startTestServer({ root: await realmFile() }, {}, {
      token_store: { type: 'redis', redis: { url: redis.url, connect_timeout_ms: 500, command_timeout_ms: 500 } },
    });
  });
  afterAll(async () => {
    await node?.close();
    await redis?.stop();
  });

  async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('answers 503 where the store is needed, keeps stateless transforms working, and recovers', async () => {
    expect((await translate(node, 'persisted')).status).toBe(200);

    await redis.stop();
    expectErrorBody(await translate(node, 'persisted'), 503, 'token_store_unavailable');
    expectErrorBody(await validate(node, 'x.y.z'), 503, 'token_store_unavailable');
    expect((await translate(node, 'default')).status).toBe(200);
    const ready = await node.get('/health/ready');
    expect([ready.status, ready.body.checks.token_store]).toEqual([200, 'DOWN']);

    await redis.restart();
    await eventually('recovery', async () => (await translate(node, 'persisted')).status === 200);
    const token = (await translate(node, 'persisted')).body.issued_token;
    expect((await validate(node, token)).body.token_valid).toBe(true);
    expect((await node.get('/health/ready')).body.checks.token_store).toBe('UP');
  });

  it('answers 503 within the command timeout when Redis hangs, instead of hanging too', async () => {
    redis.freeze();
    try {
      const started = Date.now();
      expectErrorBody(await translate(node, 'persisted'), 503, 'token_store_unavailable');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await translate(node, 'default')).status).toBe(200);
    } finally {
      redis.thaw();
    }
    await eventually('recovery after the hang', async () => (await translate(node, 'persisted')).status === 200);
  });
});
