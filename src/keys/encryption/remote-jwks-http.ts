/** HTTP details of fetching a JWKS: body parsing, Cache-Control, and error reasons safe to show. */
import type { JWK } from 'jose';

/** A fetch failure whose message is safe to show (no stack, no body). */
export class FetchProblem extends Error {}

/** Directive name (lower case) -> value ('' when it has none); the first occurrence wins. */
export function parseCacheControl(header: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name || directives.has(name)) continue;
    const value = eq === -1 ? '' : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    directives.set(name, value);
  }
  return directives;
}

export function parseJwks(body: Uint8Array): readonly JWK[] {
  let parsed: unknown;
  try {
    // TextDecoder drops a UTF-8 BOM, which JSON.parse would otherwise reject.
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new FetchProblem('response is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FetchProblem('response is not a JSON object');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new FetchProblem('response has no "keys" array');
  // Entries we cannot use are skipped rather than failing the set, so one odd key does not block the rest.
  return Object.freeze(
    keys
      .filter(
        (key): key is JWK =>
          typeof key === 'object' && key !== null && !Array.isArray(key) && typeof (key as JWK).kty === 'string',
      )
      .map((key) => Object.freeze(key)),
  );
}

/** Releases the connection of a response whose body we do not want. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/**
 * fetch reports most network failures as "fetch failed" with the useful part in its cause. Duck-typed:
 * fetch's errors can come from another realm (e.g. under jest), where instanceof Error is false.
 */
export function networkReason(err: unknown): string {
  const { cause, message } = (typeof err === 'object' && err !== null ? err : {}) as {
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
