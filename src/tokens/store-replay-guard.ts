/**
 * The plugin contract's ReplayGuard over the shared token store. One cache for the whole
 * deployment: an assertion or one-time JWT spent at one instance is a replay at every other
 * instance and node, whichever realm trusts its issuer. Keys are namespaced by kind of input only.
 */
import type { ReplayGuard } from '../plugin-api/token-contract';
import { tokenHash } from './token-hash';
import type { TokenStore } from './token-store';

/** OPENIDCONNECT and JWT input are both JWTs: a jti spent as one is spent as the other. */
const JWT_INPUT_TYPES = new Set(['OPENIDCONNECT', 'JWT']);

/** The replay namespace of an input token type: `JWT` for JWT inputs, else the type itself. */
export function replayNamespaceOf(inputTokenType: string): string {
  return JWT_INPUT_TYPES.has(inputTokenType) ? 'JWT' : inputTokenType;
}

export class StoreReplayGuard implements ReplayGuard {
  private readonly namespace: string;

  constructor(
    private readonly store: TokenStore,
    inputTokenType: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.namespace = replayNamespaceOf(inputTokenType);
  }

  firstUse(id: string, expiresAt: Date): Promise<boolean> {
    if (typeof id !== 'string' || !(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      return Promise.reject(new TypeError('firstUse needs a string id and a valid Date'));
    }
    // Hashed: IDs come from input tokens and may be long or contain any character.
    const key = tokenHash(`${this.namespace}\u0000${id}`);
    return this.store.firstUse(key, expiresAt.getTime(), this.clock());
  }
}
