/**
 * Failed console sign-ins per client address: after too many in a window, further attempts from
 * that address are refused (429) until the window ends, so the admin token cannot be guessed at
 * request speed. The server-wide `rate_limits` apply on top.
 */
const MAX_FAILURES = 5;
const WINDOW_MS = 60_000;
/** Bounded: the oldest address is forgotten first. */
const MAX_ADDRESSES = 10_000;

export class FailedSignIns {
  private readonly failures = new Map<string, { count: number; windowEndsAt: number }>();

  constructor(public clock: () => number = Date.now) {}

  /** Seconds to wait when this address is blocked now, else undefined. */
  blockedFor(address: string): number | undefined {
    const entry = this.failures.get(address);
    if (!entry) return undefined;
    const now = this.clock();
    if (now >= entry.windowEndsAt) {
      this.failures.delete(address);
      return undefined;
    }
    return entry.count >= MAX_FAILURES ? Math.ceil((entry.windowEndsAt - now) / 1000) : undefined;
  }

  record(address: string): void {
    const now = this.clock();
    const entry = this.failures.get(address);
    if (entry && now < entry.windowEndsAt) {
      entry.count++;
      return;
    }
    if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, { count: 1, windowEndsAt: now + WINDOW_MS });
  }

  clear(address: string): void {
    this.failures.delete(address);
  }
}
