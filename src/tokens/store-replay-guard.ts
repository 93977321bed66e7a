/** The plugin contract's ReplayGuard over the shared token store, one namespace per instance and input type. */
import type { ReplayGuard } from '../plugin-api/token-contract';
import { tokenHash } from './token-hash';
import type { TokenStore } from './token-store';

export class StoreReplayGuard implements ReplayGuard {
  constructor(
    private readonly store: TokenStore,
    private readonly instancePath: string,
    private readonly inputTokenType: string,
    private readonly clock: () => number = Date.now,
  ) {}

  firstUse(id: string, expiresAt: Date): Promise<boolean> {
    if (typeof id !== 'string' || !(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      return Promise.reject(new TypeError('firstUse needs a string id and a valid Date'));
    }
    // Hashed: IDs come from input tokens and may be long or contain any character.
    const key = tokenHash(`${this.instancePath}\u0000${this.inputTokenType}\u0000${id}`);
    return this.store.firstUse(key, expiresAt.getTime(), this.clock());
  }
}
