/**
 * A rotating generated key: versions that are published before they activate (pending), sign
 * while they are the newest active one (active), and stay published after the next one takes
 * over until every token they signed has expired (retired).
 */
import type { LoadedKey } from '../loaded-key';

export interface KeyVersion {
  readonly key: LoadedKey;
  /** ms since the epoch */
  readonly activatesAt: number;
}

export class KeyRing {
  /**
   * @param versions oldest first, `activatesAt` increasing
   * @param nextEventAt when the ring must be looked at again (a new version due, an old one expiring)
   */
  constructor(
    readonly name: string,
    readonly versions: readonly KeyVersion[],
    readonly nextEventAt: number,
  ) {}

  /** The version that signs at `now`: the newest that has activated (the first one always has). */
  activeAt(now: number): LoadedKey {
    let active = this.versions[0];
    for (const version of this.versions) if (version.activatesAt <= now) active = version;
    return active.key;
  }

  /** Pending, active, and retired versions whose tokens may still be alive. */
  publishedAt(now: number, longestTokenLifetimeMs: number): LoadedKey[] {
    return this.versions
      .filter((_, index) => {
        const retiredAt = this.versions[index + 1]?.activatesAt;
        return retiredAt === undefined || retiredAt > now || now < retiredAt + longestTokenLifetimeMs;
      })
      .map((version) => version.key);
  }
}
