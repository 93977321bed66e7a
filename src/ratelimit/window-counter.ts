/**
 * Fixed-window request counters by key, in one Map of bounded size. A key's window starts with
 * its first request. Expired windows are swept at most once per window length, when a new key
 * arrives, so the hot path is a Map lookup; no timers to stop.
 */
export interface WindowLimit {
  readonly requests: number;
  readonly perSeconds: number;
}

interface Window {
  start: number;
  count: number;
}

/** Undefined when the request may go on, else the seconds until the key's window ends (>= 1). */
export type RetryAfterSeconds = number | undefined;

/** A wait of `ms` as Retry-After: whole seconds, rounded up, at least 1; undefined for none. */
export function retryAfterOf(ms: number): RetryAfterSeconds {
  return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : undefined;
}

export class WindowCounter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private nextSweep = 0;

  constructor(
    private readonly limit: WindowLimit,
    /** Keys tracked at once; a new key beyond that is not limited on its own (the overall limit still applies). */
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = limit.perSeconds * 1000;
  }

  hit(key: string): RetryAfterSeconds {
    const now = this.now();
    let window = this.windows.get(key);
    if (window && now - window.start >= this.windowMs) {
      window.start = now;
      window.count = 0;
    }
    if (!window) {
      if (this.windows.size >= this.maxKeys) this.sweep(now);
      // Still full: many live keys at once (many real addresses); rather not limit this one than grow.
      if (this.windows.size >= this.maxKeys) return undefined;
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.limit.requests) return retryAfterOf(window.start + this.windowMs - now) ?? 1;
    window.count++;
    return undefined;
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.windowMs;
    for (const [key, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(key);
  }
}
