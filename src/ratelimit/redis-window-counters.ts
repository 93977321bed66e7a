/**
 * Rate-limit windows counted in Redis (`rate_limits.shared: true`): one key per window, INCR'd
 * and given its expiry in one Lua call, so every worker and node counts into the same window.
 * When Redis does not answer, the request is counted in this process instead (the limits then
 * hold per process, as without `shared`): an outage of the counter store must not refuse
 * every client, nor lift every limit.
 */
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { connectRedis } from '../tokens/redis-token-store';
import type { RedisBackendSettings } from '../server-config/server-config';
import { type RetryAfterSeconds, WindowCounter, type WindowLimit } from './window-counter';
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

type RedisWithHit = Redis & { hitWindow(key: string, windowMs: number): Promise<[number, number]> };

export class RedisWindowCounters implements WindowCounters {
  private readonly client: RedisWithHit;
  private readonly logger = new Logger('RateLimits');
  private falling = false;

  constructor(private readonly backend: RedisBackendSettings) {
    this.client = connectRedis(backend) as RedisWithHit;
    this.client.defineCommand('hitWindow', { numberOfKeys: 1, lua: HIT_WINDOW });
    // Connection errors are the token store's to log; here they only switch to local counting.
    this.client.on('error', () => undefined);
  }

  counter(scope: string, limit: WindowLimit, maxKeys?: number): SharedWindowCounter {
    const local = new WindowCounter(limit, maxKeys);
    // The limit is part of the key: a node with a changed limit counts in a fresh window.
    const prefix = `${this.backend.keyPrefix}rl:${scope}:${limit.requests}/${limit.perSeconds}:`;
    const windowMs = limit.perSeconds * 1000;
    return { hit: (key) => this.hit(prefix + key, windowMs, limit.requests, () => local.hit(key)) };
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async hit(key: string, windowMs: number, requests: number, locally: () => RetryAfterSeconds): Promise<RetryAfterSeconds> {
    let answer: [number, number];
    try {
      answer = await this.client.hitWindow(key, windowMs);
    } catch (error) {
      if (!this.falling) this.logger.warn(`Redis does not answer (${(error as { code?: string }).code ?? 'error'}); rate limits are counted per process until it does`);
      this.falling = true;
      return locally();
    }
    if (this.falling) this.logger.log('Redis answers again; rate limits are shared again');
    this.falling = false;
    const [count, msLeft] = answer;
    return count > requests ? Math.max(1, Math.ceil(msLeft / 1000)) : undefined;
  }
}
