/**
 * Fetching what another party publishes (a partner's key set, an SP's metadata) under one set of
 * rules: https (plain http only to a loopback host) and no credentials in the URL, one deadline
 * for the whole exchange, redirects followed only within the same origin, and a size cap counted
 * as the body arrives. Failures are FetchProblems, whose messages are safe to show.
 */

/** A fetch failure whose message is safe to show (no stack, no body). */
export class FetchProblem extends Error {}

export interface BoundedFetchOptions {
  /** The Accept header. */
  readonly accept: string;
  /** The Authorization header, when the server wants one. */
  readonly authorization?: string;
  readonly maxBytes: number;
  /** For the whole exchange, redirects and body included; default 5000. */
  readonly timeoutMs?: number;
  /** For tests; default global fetch. */
  readonly fetchImpl?: typeof fetch;
}

export interface FetchedBody {
  readonly body: Uint8Array;
  /** The final response's headers (after any redirects). */
  readonly headers: Headers;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Same-origin redirects followed before giving up (a loop would otherwise run until the timeout). */
const MAX_REDIRECTS = 5;

/**
 * A person-readable problem with a URL the STS is to fetch from, or undefined when it may;
 * `name` (the configuration key, e.g. `jwks_url`) starts each message.
 */
export function checkFetchUrl(url: string, name: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${name} is not a valid absolute URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return `${name} must use https (got ${parsed.protocol.replace(/:$/, '')})`;
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return `${name} must use https (http is allowed only for loopback hosts)`;
  }
  // Credentials in a URL end up in logs and error messages; what the STS fetches is public anyway.
  if (parsed.username !== '' || parsed.password !== '') return `${name} must not contain a user name or password`;
  return undefined;
}

/** WHATWG URL parsing already normalises hosts (127.1 -> 127.0.0.1, [0::1] -> [::1], case). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The body (at most maxBytes) and headers of a 2xx answer from `url`; throws FetchProblem otherwise. */
export async function boundedFetch(url: URL, options: BoundedFetchOptions): Promise<FetchedBody> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  // One deadline covers redirects and reading the body, so a slow trickle cannot hold us either.
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchFollowingSameOrigin(url, options, controller.signal);
    return { body: await readBody(response, options.maxBytes), headers: response.headers };
  } catch (error) {
    if (controller.signal.aborted) throw new FetchProblem(`no response within ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Redirects are handled by hand: following one to another origin would let that origin answer for this one. */
async function fetchFollowingSameOrigin(origin: URL, options: BoundedFetchOptions, signal: AbortSignal): Promise<Response> {
  const fetchImpl = options.fetchImpl ?? fetch;
  let target = origin;
  for (let hops = 0; ; hops++) {
    let response: Response;
    try {
      const headers: Record<string, string> = { accept: options.accept };
      if (options.authorization) headers.authorization = options.authorization;
      response = await fetchImpl(target, { redirect: 'manual', signal, headers });
    } catch (error) {
      throw new FetchProblem(`request failed (${networkReason(error)})`, { cause: error });
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
      if (next.origin !== origin.origin) throw new FetchProblem(`HTTP ${response.status} redirect to another origin (${next.origin}) not followed`);
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
async function readBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = `response larger than ${maxBytes} bytes`;
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
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
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new FetchProblem(tooLarge);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FetchProblem) throw error;
    throw new FetchProblem(`reading the response failed (${networkReason(error)})`, { cause: error });
  }
  return Buffer.concat(chunks);
}

/** Releases the connection of a response whose body we do not want. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/**
 * fetch reports most network failures as "fetch failed" with the useful part in its cause. Duck-typed:
 * fetch's errors can come from another realm (e.g. under jest), where instanceof Error is false.
 */
function networkReason(error: unknown): string {
  const { cause, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    cause?: unknown;
    message?: unknown;
  };
  if (typeof cause === 'object' && cause !== null) {
    const inner = cause as { code?: unknown; message?: unknown };
    if (typeof inner.code === 'string' && inner.code) return inner.code;
    if (typeof inner.message === 'string' && inner.message) return inner.message;
  }
  return typeof message === 'string' && message ? message : 'unknown error';
}
