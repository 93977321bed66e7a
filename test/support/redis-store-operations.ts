/**
 * Every operation kept in Redis, run against one Redis layout (a Cluster, a Sentinel set): the
 * token-store and session-store contracts, shared rate-limit windows and shared login back-off.
 * The counters' per-process fallback is switched off here, so an error such as CROSSSLOT fails
 * the test instead of being counted locally.
 */
import { RedisCounterClient } from '../../src/ratelimit/redis-counter-client';
import { RedisLoginBackoff } from '../../src/ratelimit/redis-login-backoff';
import { RedisWindowCounters } from '../../src/ratelimit/redis-window-counters';
import type { RedisBackendSettings } from '../../src/server-config/server-config';
import { RedisTokenStore } from '../../src/tokens/redis-token-store';
import { describeSessionStoreContract } from './session-store-contract';
import { describeTokenStoreContract, sleep, uniqueKey } from './token-store-contract';

const quietLogger = () => ({ log: jest.fn(), warn: jest.fn() });

/** Polls `operation` until it succeeds; fails after `ms`. */
export async function eventually<T>(operation: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

/** A connected store on `backend` (the first commands wait for the cluster or the primary). */
export async function connectedStore(backend: RedisBackendSettings): Promise<RedisTokenStore> {
  const store = new RedisTokenStore(backend, quietLogger());
  await eventually(() => store.ping(), 10_000);
  return store;
}

/** A counter client whose operations go to Redis only: a Redis error rejects. */
async function remoteOnlyCounters(backend: RedisBackendSettings): Promise<RedisCounterClient> {
  const client = new RedisCounterClient(backend);
  jest.spyOn(client, 'orLocally').mockImplementation((remote) => remote());
  await eventually(() => client.redis.ping(), 10_000);
  return client;
}

export function describeEveryRedisStoreOperation(name: string, backend: () => RedisBackendSettings): void {
  const stores: RedisTokenStore[] = [];
  const open = async () => {
    const store = await connectedStore(backend());
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  describeTokenStoreContract(name, open);
  describeSessionStoreContract(name, open);

  describe(`${name}: shared counters`, () => {
    let client: RedisCounterClient;
    beforeAll(async () => {
      client = await remoteOnlyCounters(backend());
    });
    afterAll(async () => {
      await client?.close();
    });

    it('counts a rate-limit window and refuses past its limit', async () => {
      const counter = new RedisWindowCounters(client).counter(uniqueKey('scope'), { requests: 2, perSeconds: 30 });
      const key = uniqueKey('203.0.113.1');
      expect(await counter.hit(key)).toBeUndefined();
      expect(await counter.hit(key)).toBeUndefined();
      const retryAfter = await counter.hit(key);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
    });

    it('locks a user after failed logins, lets a success from another address clear it', async () => {
      const settings = { lockAfterUserFailures: 2, lockAfterAddressFailures: 10, firstDelaySeconds: 5, maxDelaySeconds: 60, shared: true };
      const backoff = new RedisLoginBackoff(client, settings);
      const user = uniqueKey('alice');
      expect(await backoff.retryAfter(user, '198.51.100.7')).toBeUndefined();
      expect(await backoff.settle(user, '198.51.100.7', false)).toBeUndefined();
      expect(await backoff.settle(user, '198.51.100.7', false)).toBeUndefined();
      expect(await backoff.retryAfter(user, '198.51.100.7')).toBeGreaterThanOrEqual(4);
      expect(await backoff.retryAfter(user, '198.51.100.8')).toBeUndefined();
      expect(await backoff.settle(user, '198.51.100.8', true)).toBeUndefined();
      expect(await backoff.retryAfter(user, '198.51.100.7')).toBeUndefined();
    });
  });
}
