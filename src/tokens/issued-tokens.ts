/**
 * The issued-token lifecycle over the token store: record what a persisting instance issues,
 * then answer "is this still a live token of ours?" for validate, cancel, introspect and revoke.
 * A token is live when the store has its hash for this instance (not expired, not cancelled)
 * and, where its token provider can tell, it still verifies with the instance's current keys.
 */
import { InvalidRequestError, ServiceUnavailableError } from '../errors/sts-errors';
import type { IssuedToken, TokenProvider } from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import { guardedCall } from '../transform/guarded-call';
import type { TokenTypeRegistry } from '../transform/token-type-registry';
import { tokenHash } from './token-hash';
import type { IssuedTokenRecord, TokenStore } from './token-store';

export interface IssuedTokensOptions {
  /** Record lifetime for tokens whose provider gives no expiry. */
  readonly defaultLifetimeMs: number;
  /** How long a provider's verifyIssuedToken may take. */
  readonly timeoutMs: number;
  readonly clock?: () => number;
}

export class IssuedTokens {
  private readonly clock: () => number;

  constructor(
    private readonly store: TokenStore,
    private readonly registry: TokenTypeRegistry,
    private readonly options: IssuedTokensOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Records a token that `target` just issued; resolves once the store has it. */
  async record(target: LoadedInstance, tokenType: string, principal: string, issued: IssuedToken): Promise<void> {
    const now = this.clock();
    const record: IssuedTokenRecord = {
      instance: target.instance.path,
      tokenType,
      principal,
      issuedAt: now,
      expiresAt: this.expiryOf(issued, now),
      ...(issued.introspectionClaims && { claims: issued.introspectionClaims }),
    };
    await this.store.saveIssued(tokenHash(issued.token), record);
  }

  /**
   * Links a recorded token to the session it was issued from (`sessionId`, the session's store
   * key) when the instance cancels such tokens at logout; otherwise does nothing.
   */
  async linkToSession(target: LoadedInstance, sessionId: string, issued: IssuedToken): Promise<void> {
    if (!target.instance.settings.session?.cancel_issued_tokens_on_logout) return;
    await this.store.linkSessionToken(sessionId, tokenHash(issued.token), this.expiryOf(issued, this.clock()));
  }

  /** When a token ends (ms): its own expiry, else the configured default lifetime from `now`. */
  private expiryOf(issued: IssuedToken, now: number): number {
    const expiry = issued.expiresAt instanceof Date ? issued.expiresAt.getTime() : NaN;
    return Number.isFinite(expiry) ? expiry : now + this.options.defaultLifetimeMs;
  }

  /**
   * The record of `token` when `target` issued it (as `tokenType`, when given) and it is live;
   * otherwise undefined, whatever the reason, so callers cannot tell foreign from expired.
   */
  async lookup(target: LoadedInstance, token: string, tokenType?: string): Promise<IssuedTokenRecord | undefined> {
    const record = await this.ownRecord(target, tokenHash(token), tokenType);
    if (!record) return undefined;
    const provider = this.providerOf(target, record.tokenType);
    if (provider?.verifyIssuedToken) {
      const { realm, instance } = target;
      const verified = await guardedCall(this.options.timeoutMs, 'token_validation_failed', () =>
        provider.verifyIssuedToken!({ token, tokenType: record.tokenType, realm, instance }),
      );
      if (verified !== true) return undefined;
    }
    return record;
  }

  /**
   * Cancels (revokes) a live token of `target`; true when one was removed. With `clientId`, only a
   * token issued to that client (its introspection `client_id`) may go; another's is refused.
   */
  async forget(target: LoadedInstance, token: string, only: { tokenType?: string; clientId?: string } = {}): Promise<boolean> {
    const hash = tokenHash(token);
    const record = await this.ownRecord(target, hash, only.tokenType);
    if (!record) return false;
    if (only.clientId !== undefined && record.claims?.client_id !== only.clientId) {
      throw new InvalidRequestError('This token was not issued to the calling client; only the client it was issued to may revoke or cancel it.', {
        code: 'unauthorized_client',
      });
    }
    return this.store.removeIssued(hash, this.clock());
  }

  private async ownRecord(target: LoadedInstance, hash: string, tokenType: string | undefined): Promise<IssuedTokenRecord | undefined> {
    const record = await this.store.findIssued(hash, this.clock());
    const own = record && record.instance === target.instance.path && (tokenType === undefined || record.tokenType === tokenType);
    return own ? record : undefined;
  }

  /** The token provider `target` uses for `tokenType` now; undefined when it has none loaded. */
  private providerOf(target: LoadedInstance, tokenType: string): TokenProvider | undefined {
    const resolution = this.registry.resolveProvider(target.instance.settings, tokenType);
    if (resolution.status === 'ready') return resolution.handler;
    if (resolution.status === 'unavailable') {
      // A plugin that is gone cannot vouch for its tokens: treat as a fault, not as "invalid".
      throw new ServiceUnavailableError(`The plugin "${resolution.plugin}" that handles ${tokenType} tokens is not available.`, {
        code: 'plugin_unavailable',
      });
    }
    return undefined;
  }
}
