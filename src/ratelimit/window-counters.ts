/**
 * Where rate-limit windows are counted: in this process (default), or in Redis
 * (`rate_limits.shared: true`), so that limits hold across workers and nodes.
 */
import { type RetryAfterSeconds, WindowCounter, type WindowLimit } from './window-counter';

export interface SharedWindowCounter {
  /** Undefined when the request may go on, else the seconds until the key's window ends (>= 1). */
  hit(key: string): RetryAfterSeconds | Promise<RetryAfterSeconds>;
}

export interface WindowCounters {
  /**
   * A counter for one kind of limit (`scope`: address, overall, instance). `maxKeys` bounds the
   * keys one process tracks; Redis expires its keys itself.
   */
  counter(scope: string, limit: WindowLimit, maxKeys?: number): SharedWindowCounter;
}

export class LocalWindowCounters implements WindowCounters {
  constructor(private readonly now: () => number = Date.now) {}

  counter(_scope: string, limit: WindowLimit, maxKeys?: number): SharedWindowCounter {
    return new WindowCounter(limit, maxKeys, this.now);
  }
}
