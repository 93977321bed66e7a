/** HTTP details of a fetched JWKS: its body parsed, its Cache-Control read. */
import type { JWK } from 'jose';
import { FetchProblem } from '../../common/bounded-fetch';

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
