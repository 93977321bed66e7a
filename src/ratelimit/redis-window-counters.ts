/**
 * Rate-limit windows counted in Redis (`rate_limits.shared: true`): one key per window, INCR'd
 * and given its expiry in one Lua call, so every worker and node counts into the same window.
 * When Redis does not answer, the request is counted in this process instead (the limits then
 * hold per process, as without `shared`).
 */
import type { RedisClient } from '../tokens/redis-connection';
import type { RedisCounterClient } from './redis-counter-client';
import { retryAfterOf, WindowCounter, type WindowLimit } from './window-counter';
import type { SharedWindowCounter, WindowCounters } from './window-counters';

/** KEYS[1] window key, ARGV[1] window length (ms) -> {count, ms left}. A key without expiry gets one. */
const HIT_WINDOW = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

type RedisWithHit = RedisClient & { hitWindow(key: string, windowMs: number): Promise<[number, number]> };

export class RedisWindowCounters implements WindowCounters {
  private readonly redis: RedisWithHit;

  /** The client is the caller's to close. */
  constructor(private readonly client: RedisCounterClient) {
    this.redis = client.redis as RedisWithHit;
    this.redis.defineCommand('hitWindow', { numberOfKeys: 1, lua: HIT_WINDOW });
  }

  counter(scope: string, limit: WindowLimit, maxKeys?: number): SharedWindowCounter {
    const local = new WindowCounter(limit, maxKeys);
    // The limit is part of the key: a node with a changed limit counts in a fresh window.
    const prefix = `${this.client.keyPrefix}rl:${scope}:${limit.requests}/${limit.perSeconds}:`;
    const windowMs = limit.perSeconds * 1000;
    return {
      hit: (key) =>
        this.client.orLocally(
          async () => {
            const [count, msLeft] = await this.redis.hitWindow(prefix + key, windowMs);
            return count > limit.requests ? (retryAfterOf(msLeft) ?? 1) : undefined;
          },
          () => local.hit(key),
        ),
    };
  }
}
