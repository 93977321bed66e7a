/**
 * A partner's JSON Web Key Set fetched over HTTPS, used to encrypt tokens for that partner.
 *
 * Fetched lazily on first use, cached as the response's HTTP caching headers say (capped), shared
 * between concurrent callers, and kept as a fallback when the partner is briefly unreachable, so a
 * partner outage does not immediately break token issuance.
 */
import type { JWK } from 'jose';
import { ServiceUnavailableError } from '../../errors/sts-errors';
import { checkJwksUrl } from './jwks-url';
import { discard, FetchProblem, networkReason, parseCacheControl, parseJwks } from './remote-jwks-http';

// Existing importers take the URL check from here.
export { checkJwksUrl };

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

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_BYTES = 512 * 1024;
/** A partner cannot make us hold keys longer than this, whatever its headers say. */
const MAX_CACHE_MS = 7 * 24 * 60 * 60 * 1000;
/** After a failed refresh with a stale copy on hand, do not hammer the partner. */
const RETRY_AFTER_FAILURE_MS = 60 * 1000;
/** Same-origin redirects followed before giving up (a loop would otherwise run until the timeout). */
const MAX_REDIRECTS = 5;

interface CachedKeys {
  keys: readonly JWK[];
  /** Clock time after which the copy is stale and the next call refetches. */
  expiresAt: number;
}

export class RemoteJwks {
  private readonly url: URL;
  private readonly defaultCacheMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly fetchImpl: typeof fetch;
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
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.fetchImpl = options.fetchImpl ?? fetch;
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
    const controller = new AbortController();
    // One deadline covers redirects and reading the body, so a slow trickle cannot hold us either.
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const response = await this.fetchFollowingSameOrigin(controller.signal);
      const body = await this.readBody(response);
      const keys = parseJwks(body);
      return { keys, lifetimeMs: this.lifetimeMs(response.headers) };
    } catch (err) {
      if (controller.signal.aborted) throw new FetchProblem(`no response within ${this.timeoutMs} ms`, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Redirects are handled by hand: following one to another origin would let it pick our keys. */
  private async fetchFollowingSameOrigin(signal: AbortSignal): Promise<Response> {
    let target = this.url;
    for (let hops = 0; ; hops++) {
      let response: Response;
      try {
        response = await this.fetchImpl(target, {
          redirect: 'manual',
          signal,
          headers: { accept: 'application/jwk-set+json, application/json' },
        });
      } catch (err) {
        throw new FetchProblem(`request failed (${networkReason(err)})`, { cause: err });
      }
      if (response.status >= 300 && response.status < 400) {
        await discard(response);
        const location = response.headers.get('location');
        if (!location) throw new FetchProblem(`HTTP ${response.status} without a Location header`);
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new FetchProblem(`HTTP ${response.status} with an invalid Location header`);
        }
        if (next.origin !== this.url.origin) {
          throw new FetchProblem(`HTTP ${response.status} redirect to another origin (${next.origin}) not followed`);
        }
        if (hops >= MAX_REDIRECTS) throw new FetchProblem('too many redirects');
        target = next;
        continue;
      }
      if (response.status < 200 || response.status > 299) {
        await discard(response);
        throw new FetchProblem(`HTTP ${response.status}`);
      }
      return response;
    }
  }

  /** Reads at most maxBytes; Content-Length can be absent or wrong, so bytes are also counted. */
  private async readBody(response: Response): Promise<Uint8Array> {
    const tooLarge = `response larger than ${this.maxBytes} bytes`;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      await discard(response);
      throw new FetchProblem(tooLarge);
    }
    if (!response.body) return new Uint8Array(0);
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > this.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new FetchProblem(tooLarge);
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof FetchProblem) throw err;
      throw new FetchProblem(`reading the response failed (${networkReason(err)})`, { cause: err });
    }
    return Buffer.concat(chunks);
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
