/**
 * Per-instance request limits: an instance's own `rate_limit` (realm file), else server.yaml
 * `rate_limits.per_instance`. Checked once the instance is known (the controllers), after the
 * per-address and overall limits of the onRequest hook, so a request those refuse costs nothing
 * here. One window per instance path; a changed limit (realm reload) starts a fresh window.
 */
import { Inject, Injectable } from '@nestjs/common';
import { TooManyRequestsError } from '../errors/sts-errors';
import type { LoadedInstance } from '../realms/loaded-instance';
import { SERVER_CONFIG, type ServerConfig, type WindowLimitSettings } from '../server-config/server-config';
import { LIMIT_STATE, type LimitState } from './limit-state';
import type { SharedWindowCounter, WindowCounters } from './window-counters';

interface InstanceWindow {
  readonly limit: WindowLimitSettings;
  readonly counter: SharedWindowCounter;
}

@Injectable()
export class InstanceRateLimits {
  private readonly windows = new Map<string, InstanceWindow>();
  private readonly fallback?: WindowLimitSettings;
  private readonly counters: WindowCounters;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    @Inject(LIMIT_STATE) { windowCounters }: Pick<LimitState, 'windowCounters'>,
  ) {
    this.counters = windowCounters;
    this.fallback = config.rateLimits?.perInstance;
  }

  /**
   * Throws (or rejects with) a 429 `rate_limited` when the instance has used up its window.
   * Nothing to wait for (undefined) when no limit applies: most requests.
   */
  admit(target: LoadedInstance): Promise<void> | undefined {
    const own = target.instance.settings.rate_limit;
    const limit = own ? { requests: own.requests, perSeconds: own.per_seconds } : this.fallback;
    if (!limit) return undefined;
    return this.hit(target.instance.path, limit);
  }

  private async hit(path: string, limit: WindowLimitSettings): Promise<void> {
    // Keyed by the path: in Redis, every instance counter of one limit shares a key prefix.
    const retryAfter = await this.windowOf(path, limit).counter.hit(path);
    if (retryAfter !== undefined) {
      throw new TooManyRequestsError('rate_limited', 'This STS instance has too many requests; try again after the time in Retry-After.', retryAfter);
    }
  }

  private windowOf(path: string, limit: WindowLimitSettings): InstanceWindow {
    const current = this.windows.get(path);
    if (current && current.limit.requests === limit.requests && current.limit.perSeconds === limit.perSeconds) return current;
    const fresh = { limit, counter: this.counters.counter('instance', limit, 1) };
    this.windows.set(path, fresh);
    return fresh;
  }
}
