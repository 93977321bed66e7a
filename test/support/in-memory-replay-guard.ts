/** A replay guard for unit tests: a Map of id -> expiry, in place of the shared token store. */
import type { ReplayGuard } from '../../src/plugin-api/token-contract';

export class InMemoryReplayGuard implements ReplayGuard {
  /** Every call, in order, so a test can check what a validator remembers and for how long. */
  readonly calls: Array<{ id: string; expiresAt: Date }> = [];
  private readonly seen = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async firstUse(id: string, expiresAt: Date): Promise<boolean> {
    this.calls.push({ id, expiresAt });
    const now = this.clock();
    const known = this.seen.get(id);
    // An entry counts only until it expires; after that the id may be used again.
    if (known !== undefined && known > now) return false;
    this.seen.set(id, expiresAt.getTime());
    return true;
  }
}
