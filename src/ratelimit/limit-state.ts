/**
 * Where the process keeps rate-limit windows and failed-login records: in its own memory, or in
 * the token store's Redis for the sections marked `shared: true` (one connection for both).
 */
import type { ServerConfig } from '../server-config/server-config';
import { LoginBackoff, type LoginBackoffStore } from './login-backoff';
import { RedisCounterClient } from './redis-counter-client';
import { RedisLoginBackoff } from './redis-login-backoff';
import { RedisWindowCounters } from './redis-window-counters';
import { LocalWindowCounters, type WindowCounters } from './window-counters';

/** Nest injection token of the process's LimitState (app.factory makes it). */
export const LIMIT_STATE = Symbol('LimitState');

export interface LimitState {
  readonly windowCounters: WindowCounters;
  /** Undefined without server.yaml `login_backoff`. */
  readonly loginBackoff?: LoginBackoffStore;
  close(): Promise<void>;
}

export function createLimitState(config: Pick<ServerConfig, 'tokenStore' | 'rateLimits' | 'loginBackoff'>): LimitState {
  const backend = config.tokenStore.backend;
  const backoff = config.loginBackoff;
  // The loader refuses `shared` without a Redis token store.
  const redis = backend.type === 'redis' && (config.rateLimits?.shared || backoff?.shared) ? new RedisCounterClient(backend) : undefined;
  return {
    windowCounters: redis && config.rateLimits?.shared ? new RedisWindowCounters(redis) : new LocalWindowCounters(),
    loginBackoff: backoff && (redis && backoff.shared ? new RedisLoginBackoff(redis, backoff) : new LoginBackoff(backoff)),
    close: async () => redis?.close(),
  };
}
