/**
 * The Redis connection that shared rate limits and login back-off count in (server.yaml
 * `rate_limits.shared`, `login_backoff.shared`), with one rule for outages: when Redis does not
 * answer, the caller's per-process fallback answers instead, so an outage of the counter store
 * neither refuses every client nor lifts every limit. Loss and recovery are logged once each.
 */
import { Logger } from '@nestjs/common';

import type { RedisBackendSettings } from '../server-config/server-config';
import { connectRedis, type RedisClient } from '../tokens/redis-connection';

export class RedisCounterClient {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  private readonly logger = new Logger('SharedCounters');
  private falling = false;

  constructor(backend: RedisBackendSettings) {
    this.redis = connectRedis(backend);
    this.keyPrefix = backend.keyPrefix;
    // Connection errors are the token store's to log; here they only switch to local counting.
    this.redis.on('error', () => undefined);
  }

  /** `remote`'s answer, or `locally`'s when Redis does not answer. */
  async orLocally<T>(remote: () => Promise<T>, locally: () => T): Promise<T> {
    let answer: T;
    try {
      answer = await remote();
    } catch (error) {
      if (!this.falling) this.logger.warn(`Redis does not answer (${(error as { code?: string }).code ?? 'error'}); rate limits and login back-off are counted per process until it does`);
      this.falling = true;
      return locally();
    }
    if (this.falling) this.logger.log('Redis answers again; rate limits and login back-off are shared again');
    this.falling = false;
    return answer;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
    // Also after QUIT: a Sentinel client's failover watch holds its own connections to the sentinels.
    this.redis.disconnect();
  }
}
