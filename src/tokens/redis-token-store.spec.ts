import { describeSessionStoreContract } from '../../test/support/session-store-contract';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../test/support/redis-server';
import { eventually } from '../../test/support/redis-store-operations';
import {
  describeTokenStoreContract,
  expectUnavailable,
  issuedRecord,
  sleep,
  uniqueKey,
} from '../../test/support/token-store-contract';
import { RedisTokenStore, type RedisTokenStoreOptions } from './redis-token-store';

const COMMAND_TIMEOUT_MS = 1000;

let redis: RedisTestServer;
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

afterAll(async () => {
  await redis?.stop();
  stopAllRedisServers();
});

function quietLogger() {
  return { log: jest.fn(), warn: jest.fn() };
}

function newStore(options: Partial<RedisTokenStoreOptions> = {}, logger = quietLogger()): RedisTokenStore {
  const store = new RedisTokenStore(
    { url: redis.url, keyPrefix: 'sts-test:', connectTimeoutMs: 1000, commandTimeoutMs: COMMAND_TIMEOUT_MS, ...options },
    logger,
  );
  stores.push(store);
  return store;
}

/** The first ping after a store is created waits for the connection. */
async function connected(store: RedisTokenStore): Promise<RedisTokenStore> {
  await eventually(() => store.ping(), 5000);
  return store;
}

describeTokenStoreContract('RedisTokenStore', () => connected(newStore()));
describeSessionStoreContract('RedisTokenStore', () => connected(newStore()));

describe('RedisTokenStore', () => {
  it('keeps stores with different key prefixes apart', async () => {
    const a = await connected(newStore({ keyPrefix: 'a:' }));
    const b = await connected(newStore({ keyPrefix: 'b:' }));
    const hash = uniqueKey('h');
    const key = uniqueKey('k');
    await a.saveIssued(hash, issuedRecord());
    expect(await b.findIssued(hash, Date.now())).toBeUndefined();
    expect(await a.firstUse(key, Date.now() + 60_000, Date.now())).toBe(true);
    expect(await b.firstUse(key, Date.now() + 60_000, Date.now())).toBe(true);
  });

  it('does not save a record that has already expired', async () => {
    const store = await connected(newStore());
    const hash = uniqueKey('h');
    await store.saveIssued(hash, issuedRecord({ expiresAt: Date.now() - 1 }));
    expect(await store.findIssued(hash, 0)).toBeUndefined();
  });

  it('purgeExpired has nothing to do (Redis expires keys itself)', async () => {
    const store = await connected(newStore());
    expect(await store.purgeExpired(Date.now())).toBe(0);
  });

  describe('outages', () => {
    // Each test here stops or freezes the server; give the next test a running one again.
    afterEach(async () => {
      redis.thaw();
      await redis.restart();
    });

    it('fails fast with TokenStoreUnavailableError while Redis is down, and recovers by itself', async () => {
      const logger = quietLogger();
      const store = await connected(newStore({}, logger));
      const hash = uniqueKey('h');

      await redis.stop();
      const started = Date.now();
      for (let i = 0; i < 5; i++) {
        const now = Date.now();
        await expectUnavailable(store.saveIssued(hash, issuedRecord()));
        await expectUnavailable(store.findIssued(hash, now));
        await expectUnavailable(store.removeIssued(hash, now));
        await expectUnavailable(store.firstUse(uniqueKey('k'), now + 60_000, now));
        await expectUnavailable(store.ping());
      }
      // Nothing waited for a reconnect or a command timeout.
      expect(Date.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS);

      await redis.restart();
      await eventually(() => store.ping(), 5000);
      await store.saveIssued(hash, issuedRecord());
      expect(await store.findIssued(hash, Date.now())).toBeDefined();

      // One line for the loss and one for the recovery, not one per failed call or reconnect attempt.
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0][0]).toMatch(/Lost the connection to Redis at 127\.0\.0\.1:\d+\/0/);
      expect(logger.log.mock.calls.filter(([message]) => /reachable again/.test(message))).toHaveLength(1);
    });

    it('is created while Redis is down without failing, and works once Redis is up', async () => {
      await redis.stop();
      const logger = quietLogger();
      const store = newStore({}, logger);
      await expectUnavailable(store.ping());
      await sleep(300); // several reconnect attempts
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0][0]).toMatch(/Redis is not reachable/);

      await redis.restart();
      await eventually(() => store.ping(), 5000);
      expect(await store.firstUse(uniqueKey('k'), Date.now() + 60_000, Date.now())).toBe(true);
    });

    it('gives up on a hung Redis after the command timeout', async () => {
      const store = await connected(newStore({ commandTimeoutMs: 200 }));
      redis.freeze();
      const started = Date.now();
      const error = await expectUnavailable(store.firstUse(uniqueKey('k'), Date.now() + 60_000, Date.now()));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(String((error.cause as Error).message)).toMatch(/timed out/i);
    });

    it('never logs the password of the URL', async () => {
      await redis.stop();
      const logger = quietLogger();
      const port = redis.port;
      const store = newStore({ url: `redis://user:s3cret-pw@127.0.0.1:${port}/0` }, logger);
      await expectUnavailable(store.ping());
      await sleep(100);
      const logged = JSON.stringify([logger.warn.mock.calls, logger.log.mock.calls]);
      expect(logged).toContain(`127.0.0.1:${port}`);
      expect(logged).not.toContain('s3cret-pw');
    });
  });
});
