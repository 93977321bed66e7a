/**
 * One session pool per token and process, kept across configuration reloads (a reload finds
 * the key objects again, it does not log in again). Readiness and metrics read the pools here.
 */
import { pkcs11Library } from './pkcs11-library';
import { TokenSessionPool, type TokenLocation } from './token-session-pool';

const pools = new Map<string, TokenSessionPool>();

/**
 * The pool of the token at `location` in the library `modulePath`, shared by every key in that
 * token (one login, one set of sessions): it grows to the largest max_sessions asked for. A new
 * pool replaces it when the PIN changed.
 */
export function tokenPool(modulePath: string, location: TokenLocation, pin: string, maxSessions: number): TokenSessionPool {
  const name = `${modulePath}\0${location.label ?? ''}\0${location.slot ?? ''}`;
  const existing = pools.get(name);
  if (existing && existing.pin === pin) {
    existing.allowSessions(maxSessions);
    return existing;
  }
  const pool = new TokenSessionPool(pkcs11Library(modulePath), location, pin, maxSessions);
  existing?.close();
  pools.set(name, pool);
  return pool;
}

/** Every token in use in this process. */
export function tokenPools(): TokenSessionPool[] {
  return [...pools.values()];
}
