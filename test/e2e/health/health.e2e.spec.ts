/**
 * SPEC 4.4 health endpoints over HTTP, with the token store of `server.yaml`: readiness stays 200
 * when the token store is down (stateless transforms keep working) and says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../support/redis-server';
import { rootRealm } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';

const UP = { status: 'UP', checks: { configuration: 'UP', token_store: 'UP' } };
const DEGRADED = { status: 'DEGRADED', checks: { configuration: 'UP', token_store: 'DOWN' } };

/** Polls /health/ready until its body equals `expected`; fails after `ms`. */
async function readyBecomes(server: TestServer, expected: object, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await server.get('/health/ready');
    expect(res.status).toBe(200);
    if (JSON.stringify(res.body) === JSON.stringify(expected) || Date.now() > deadline) {
      expect(res.body).toEqual(expected);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health with the default SQLite token store', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() });
  });
  afterAll(() => server?.close());

  it('GET /health/live answers 200 {status: UP}', async () => {
    const res = await server.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'UP' });
  });

  it('GET /health/ready answers 200 with the configuration and the token store UP', async () => {
    const res = await server.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(UP);
  });

  it('keeps the SQLite file in STS_DATA_DIR', () => {
    expect(existsSync(join(server.dataDir, 'tokens.sqlite'))).toBe(true);
  });
});

describe('health with a SQLite file named in server.yaml', () => {
  it('resolves a relative file against STS_DATA_DIR', async () => {
    const server = await startTestServer({ root: await rootRealm() }, {}, { token_store: { sqlite: { file: 'store/sts.db' } } });
    try {
      expect(existsSync(join(server.dataDir, 'store', 'sts.db'))).toBe(true);
      expect((await server.get('/health/ready')).body).toEqual(UP);
    } finally {
      await server.close();
    }
  });
});

describe('health with a Redis token store', () => {
  let redis: RedisTestServer;
  let server: TestServer;

  beforeAll(async () => {
    redis = await startRedisServer();
    await redis.stop();
    server = await startTestServer(
      { root: await rootRealm() },
      {},
      { token_store: { type: 'redis', redis: { url: redis.url, connect_timeout_ms: 500, command_timeout_ms: 500 } } },
    );
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
    stopAllRedisServers();
  });

  it('starts while Redis is down and reports DEGRADED (still 200); then UP once Redis is back', async () => {
    await readyBecomes(server, DEGRADED, 0);
    await redis.restart();
    await readyBecomes(server, UP, 5000);
  });

  it('reports DEGRADED again when Redis goes away, and answers quickly', async () => {
    await redis.stop();
    const started = Date.now();
    await readyBecomes(server, DEGRADED, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
