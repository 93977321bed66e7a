/**
 * Remembers one-time input identifiers (SAML assertion IDs, later JWT jti) until they expire, so
 * a replayed input is refused. In memory, per process, for now: the shared token store of a
 * later issue replaces it for several nodes behind one interface.
 */
export interface ReplayCache {
  /** True the first time `id` is seen before `expiresAt` (ms); false for a replay. */
  remember(namespace: string, id: string, expiresAt: number): boolean;
}

export class InMemoryReplayCache implements ReplayCache {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  constructor(
    private readonly clock: () => number = Date.now,
    /** Bound on entries, so a flood of distinct IDs cannot exhaust memory. */
    private readonly maxEntries = 1_000_000,
  ) {}

  remember(namespace: string, id: string, expiresAt: number): boolean {
    const now = this.clock();
    this.sweep(now);
    const key = `${namespace}\u0000${id}`;
    const known = this.seen.get(key);
    if (known !== undefined && known > now) return false;
    if (this.seen.size >= this.maxEntries) this.sweep(now, true);
    this.seen.set(key, expiresAt);
    return true;
  }

  private sweep(now: number, force = false): void {
    if (!force && now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
  }
}

/** One cache per process, shared by every instance (IDs are namespaced by instance path). */
export const replayCache: ReplayCache = new InMemoryReplayCache();
