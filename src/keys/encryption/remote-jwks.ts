/**
 * A partner's JSON Web Key Set fetched over HTTPS, used to encrypt tokens for that partner.
 *
 * Fetched lazily on first use, cached as the response's HTTP caching headers say (capped), shared
 * between concurrent callers, and kept as a fallback when the partner is briefly unreachable, so a
 * partner outage does not immediately break token issuance.
 */
import type { JWK } from 'jose';
import { boundedFetch, checkFetchUrl, FetchProblem } from '../../common/bounded-fetch';
import { ServiceUnavailableError } from '../../errors/sts-errors';
import { parseCacheControl, parseJwks } from './remote-jwks-http';

/** Returns a person-readable problem with a JWKS URL, or undefined when the STS may fetch from it. */
export function checkJwksUrl(url: string): string | undefined {
  return checkFetchUrl(url, 'jwks_url');
}

export interface RemoteJwksOptions {
  /** Partner JWKS URL. */
  url: string;
  /** Used when the response has no usable cache directives (PingFederate default 720). */
  defaultCacheMinutes: number;
  /** Per fetch (all redirects and the body included); default 5000. */
  timeoutMs?: number;
  /** Response size limit; default 512 KiB. */
  maxBytes?: number;
  /** For tests only; default global fetch. */
  fetchImpl?: typeof fetch;
  /** Millisecond clock, for tests; default Date.now. */
  now?: () => number;
  /** The StsError code when no key set can be had; default `encryption_keys_unavailable`. */
  unavailableCode?: string;
}

const DEFAULT_MAX_BYTES = 512 * 1024;
/** A partner cannot make us hold keys longer than this, whatever its headers say. */
const MAX_CACHE_MS = 7 * 24 * 60 * 60 * 1000;
/** After a failed refresh with a stale copy on hand, do not hammer the partner. */
const RETRY_AFTER_FAILURE_MS = 60 * 1000;

interface CachedKeys {
  keys: readonly JWK[];
  /** Clock time after which the copy is stale and the next call refetches. */
  expiresAt: number;
}

export class RemoteJwks {
  private readonly url: URL;
  private readonly defaultCacheMs: number;
  private readonly timeoutMs: number | undefined;
  private readonly maxBytes: number;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly now: () => number;
  private readonly unavailableCode: string;

  private cached: CachedKeys | undefined;
  /** When the last fetch started, to bound refetches asked for by callers (an unknown kid). */
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  /** While a stale copy is being served after a failure, no refetch before this time. */
  private retryNotBefore = 0;
  /** The running fetch, shared by every caller that arrives while it runs. */
  private inflight: Promise<readonly JWK[]> | undefined;

  constructor(options: RemoteJwksOptions) {
    // Configuration validation should already have rejected a bad URL; this guards other callers.
    const problem = checkJwksUrl(options.url);
    if (problem) throw new Error(problem);
    if (!Number.isFinite(options.defaultCacheMinutes) || options.defaultCacheMinutes < 0) {
      throw new Error('defaultCacheMinutes must be a non-negative number');
    }
    this.url = new URL(options.url);
    this.defaultCacheMs = Math.min(options.defaultCacheMinutes * 60_000, MAX_CACHE_MS);
    this.timeoutMs = options.timeoutMs;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.fetchImpl = options.fetchImpl;
    this.now = options.now ?? Date.now;
    this.unavailableCode = options.unavailableCode ?? 'encryption_keys_unavailable';
  }

  /**
   * The partner's keys, fetched on first use and cached. The same frozen array is returned for as
   * long as one fetched copy is in use (a refetch yields a new one), so callers can memoise work
   * per key set, e.g. in a WeakMap keyed on it.
   */
  async keys(): Promise<JWK[]> {
    // Frozen, so the cast to a mutable type cannot let one caller change another's keys.
    return (await this.current()) as JWK[];
  }

  /**
   * Fetches again before the copy expires (a token names a kid the cached set lacks: the partner
   * rotated keys), unless the last fetch started less than `minIntervalMs` ago, so tokens with
   * made-up kids cannot make us hammer the partner.
   */
  async refetch(minIntervalMs: number): Promise<JWK[]> {
    const cached = this.cached;
    if (cached && this.now() - this.lastFetchAt < minIntervalMs) return cached.keys as JWK[];
    return (await this.startRefresh()) as JWK[];
  }

  private current(): Promise<readonly JWK[]> {
    const now = this.now();
    const cached = this.cached;
    if (cached && (now < cached.expiresAt || now < this.retryNotBefore)) return Promise.resolve(cached.keys);
    return this.startRefresh();
  }

  private startRefresh(): Promise<readonly JWK[]> {
    if (!this.inflight) {
      this.lastFetchAt = this.now();
      this.inflight = this.refresh().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async refresh(): Promise<readonly JWK[]> {
    try {
      const { keys, lifetimeMs } = await this.fetchOnce();
      // The fetching call always gets these keys, even when the lifetime is zero (no-store).
      this.cached = { keys, expiresAt: this.now() + lifetimeMs };
      this.retryNotBefore = 0;
      return keys;
    } catch (err) {
      const reason = err instanceof FetchProblem ? err.message : 'unexpected error';
      if (this.cached) {
        // stale-if-error: an older key set beats failing every request while the partner is down.
        this.retryNotBefore = this.now() + RETRY_AFTER_FAILURE_MS;
        return this.cached.keys;
      }
      throw new ServiceUnavailableError(`The partner key set at ${this.url.host} is unavailable: ${reason}.`, {
        code: this.unavailableCode,
        cause: err,
      });
    }
  }

  private async fetchOnce(): Promise<{ keys: readonly JWK[]; lifetimeMs: number }> {
    const { body, headers } = await boundedFetch(this.url, {
      accept: 'application/jwk-set+json, application/json',
      maxBytes: this.maxBytes,
      timeoutMs: this.timeoutMs,
      fetchImpl: this.fetchImpl,
    });
    return { keys: parseJwks(body), lifetimeMs: this.lifetimeMs(headers) };
  }

  /** Freshness per RFC 9111, simplified for a private client: Cache-Control, then Expires, then the default. */
  private lifetimeMs(headers: Headers): number {
    const cacheControl = headers.get('cache-control');
    if (cacheControl) {
      const directives = parseCacheControl(cacheControl);
      if (directives.has('no-store') || directives.has('no-cache')) return 0;
      const maxAge = directives.get('max-age');
      if (maxAge !== undefined && /^\d+$/.test(maxAge)) return Math.min(Number(maxAge) * 1000, MAX_CACHE_MS);
    }
    const expires = headers.get('expires');
    if (expires) {
      const expiresAt = Date.parse(expires);
      // RFC 9111 5.3: an invalid Expires (often "0") means already expired, not "no directive".
      if (Number.isNaN(expiresAt)) return 0;
      // Measured against the server's own Date when present, so clock skew between us does not matter.
      const date = Date.parse(headers.get('date') ?? '');
      const base = Number.isNaN(date) ? this.now() : date;
      return Math.min(Math.max(expiresAt - base, 0), MAX_CACHE_MS);
    }
    return this.defaultCacheMs;
  }
}
