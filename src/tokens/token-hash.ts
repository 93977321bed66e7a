/** The store keeps a SHA-256 of each issued token, never the token: a leaked store grants nothing. */
import { createHash } from 'node:crypto';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
