/**
 * `_rev` of a published instance, PingAM style: an opaque revision (also sent as the ETag) that
 * changes whenever the instance's stored state does, and `If-Match` checked against it so an
 * update or delete made from a stale read is refused instead of overwriting someone's change.
 */
import { createHash } from 'node:crypto';
import { StsError } from '../../errors/sts-errors';

/** A stable hash of the stored state: keys sorted, so YAML key order does not change it. */
export function revisionOf(state: unknown): string {
  return createHash('sha256').update(canonicalJson(state)).digest('base64url');
}

/**
 * `If-Match` (RFC 9110 13.1.1): absent or `*` (the instance exists, checked by the caller) pass;
 * otherwise one of the listed revisions, quoted or not, weak or not, must be the current one.
 */
export function checkIfMatch(ifMatch: string | undefined, current: string, path: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const listed = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  if (listed.includes(current)) return;
  throw new StsError(412, 'revision_mismatch', `If-Match names a revision of ${path} that is no longer current; read the instance again and retry with its _rev.`);
}

/** The revision as an ETag header value. */
export function etagOf(revision: string): string {
  return `"${revision}"`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
