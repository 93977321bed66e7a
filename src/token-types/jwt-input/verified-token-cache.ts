/**
 * The verified-input cache (`oidc_validation.cache_verified_tokens`): remembers that an input JWT's
 * signature verified, so the same token presented again skips only the signature check, as API
 * gateways do when one user token is exchanged for many downstream calls. Every other check still
 * runs on every use. An entry is keyed by the trust it was verified under (the instance's
 * `oidc_validation` block) and the SHA-256 of the exact token text; it names the issuer key that
 * verified it and holds only while that key is still one the issuer publishes (a JWKS refetch
 * makes new key objects, so it drops every entry) and until the token's `exp`. Least recently
 * used entries go first beyond `verified_token_cache_max_entries` (server.yaml).
 */
import type { JWK } from 'jose';
import { tokenHash } from '../../tokens/token-hash';

export const DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES = 10_000;

interface Entry {
  readonly key: JWK;
  /** The token's exp, in ms. */
  readonly expiresAt: number;
}

export class VerifiedTokenCache {
  /** Map order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly trustIds = new WeakMap<object, number>();
  private nextTrustId = 0;

  constructor(private maxEntries = DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  /** Applies server.yaml's bound; entries beyond it are dropped now. */
  resize(maxEntries: number): void {
    this.maxEntries = maxEntries;
    this.evictBeyondBound();
  }

  /**
   * The key that verified `token` under `trust`, when it is still among `candidates` (the
   * issuer's keys for the token's kid now) and the token has not expired; else undefined, and
   * the stale entry is dropped.
   */
  verifiedKey(trust: object, token: string, candidates: readonly JWK[], now: number): JWK | undefined {
    const id = this.entryId(trust, token);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (now >= entry.expiresAt || !candidates.includes(entry.key)) return undefined;
    this.entries.set(id, entry);
    return entry.key;
  }

  /** Call only once every check of the token has passed. */
  remember(trust: object, token: string, key: JWK, expiresAt: number): void {
    const id = this.entryId(trust, token);
    this.entries.delete(id);
    this.entries.set(id, { key, expiresAt });
    this.evictBeyondBound();
  }

  private entryId(trust: object, token: string): string {
    let trustId = this.trustIds.get(trust);
    if (trustId === undefined) this.trustIds.set(trust, (trustId = this.nextTrustId++));
    // A digest instead of the token keeps an entry small whatever max_token_bytes allows.
    return `${trustId}:${tokenHash(token)}`;
  }

  private evictBeyondBound(): void {
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(id);
    }
  }
}

/** The one cache of this process, shared by every instance that turns it on. */
export const verifiedTokens = new VerifiedTokenCache();
