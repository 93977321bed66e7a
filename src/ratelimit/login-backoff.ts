/**
 * Back-off after failed USERNAME logins (server.yaml `login_backoff`), per user and per client
 * address. The failure that reaches `lock_after_*_failures` locks for first_delay seconds, each
 * further one for twice as long as the one before, capped at max_delay. While locked, the caller
 * is refused before the password is checked.
 *
 * A user's lock applies only to the addresses that failed for that user, so an attacker cannot
 * lock the user out: a correct password from an address with no failures still goes through
 * (and resets the user's record). A record is forgotten max_delay after its lock ends (or
 * after its last failure, when not locked).
 *
 * Passwords are checked after the first look, so a burst of parallel guesses all pass it
 * together; settle() therefore looks again once the password is checked, and withholds the
 * outcome of every attempt that finishes after a lock began. A burst learns no more than the
 * same guesses sent one at a time.
 * This class keeps the state in this process (STS_WORKERS=N allows N times the attempts);
 * RedisLoginBackoff shares it (`login_backoff.shared`).
 */
import type { LoginBackoffSettings } from '../server-config/server-config';
import { retryAfterOf, type RetryAfterSeconds } from './window-counter';

/** Where failed logins are counted: this process (LoginBackoff) or Redis (RedisLoginBackoff). */
export interface LoginBackoffStore {
  /** Seconds the caller must wait (>= 1), or undefined when the password may be checked. */
  retryAfter(username: string, address: string): RetryAfterSeconds | Promise<RetryAfterSeconds>;
  /**
   * Records whether the password was right. When a lock began while it was checked, answers the
   * wait instead and records nothing: the caller must then answer as if it had been locked out.
   */
  settle(username: string, address: string, succeeded: boolean): RetryAfterSeconds | Promise<RetryAfterSeconds>;
}

interface Failures {
  count: number;
  lockedUntil: number;
  forgetAt: number;
}

interface UserFailures extends Failures {
  /** Addresses that failed for this user, oldest first; the lock applies to these only. */
  readonly addresses: Set<string>;
}

export const MAX_ADDRESSES_PER_USER = 64;

export class LoginBackoff implements LoginBackoffStore {
  private readonly users = new Map<string, UserFailures>();
  private readonly addresses = new Map<string, Failures>();
  private nextSweep = 0;

  constructor(
    private readonly settings: LoginBackoffSettings,
    private readonly maxRecords = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  retryAfter(username: string, address: string): RetryAfterSeconds {
    const now = this.now();
    const user = this.live(this.users, userKey(username), now);
    const byAddress = this.live(this.addresses, address, now);
    const until = Math.max(user?.addresses.has(address) ? user.lockedUntil : 0, byAddress?.lockedUntil ?? 0);
    return retryAfterOf(until - now);
  }

  settle(username: string, address: string, succeeded: boolean): RetryAfterSeconds {
    const wait = this.retryAfter(username, address);
    if (wait !== undefined) return wait;
    if (succeeded) this.succeeded(username);
    else this.failed(username, address);
    return undefined;
  }

  private failed(username: string, address: string): void {
    const now = this.now();
    const user = this.record(this.users, userKey(username), now, () => ({ addresses: new Set<string>() }));
    user.addresses.delete(address);
    user.addresses.add(address);
    if (user.addresses.size > MAX_ADDRESSES_PER_USER) user.addresses.delete(user.addresses.values().next().value!);
    this.count(user, this.settings.lockAfterUserFailures, now);
    this.count(this.record(this.addresses, address, now, () => ({})), this.settings.lockAfterAddressFailures, now);
  }

  /** A correct password resets the user's record (not the address's: it may be trying many users). */
  private succeeded(username: string): void {
    this.users.delete(userKey(username));
  }

  private count(failures: Failures, lockAfter: number, now: number): void {
    failures.count++;
    const excess = failures.count - lockAfter;
    if (excess >= 0) {
      const delay = Math.min(this.settings.firstDelaySeconds * 2 ** Math.min(excess, 30), this.settings.maxDelaySeconds);
      failures.lockedUntil = now + delay * 1000;
    }
    // Remembered max_delay past the lock (or the failure), so waiting a lock out does not reset the count.
    failures.forgetAt = Math.max(now, failures.lockedUntil) + this.settings.maxDelaySeconds * 1000;
  }

  private live<T extends Failures>(map: Map<string, T>, key: string, now: number): T | undefined {
    const found = map.get(key);
    if (found && found.forgetAt <= now) {
      map.delete(key);
      return undefined;
    }
    return found;
  }

  /** The key's record, created when missing; the map never holds more than maxRecords. */
  private record<T extends Failures>(map: Map<string, T>, key: string, now: number, extra: () => Omit<T, keyof Failures>): T {
    const found = this.live(map, key, now);
    if (found) return found;
    if (map.size >= this.maxRecords) {
      // Sweep at most once a second, so a flood of new names does not make every failure O(n).
      if (now >= this.nextSweep) {
        this.nextSweep = now + 1000;
        for (const [k, v] of map) if (v.forgetAt <= now) map.delete(k);
      }
      // Still full: drop the oldest record rather than grow without bound.
      if (map.size >= this.maxRecords) map.delete(map.keys().next().value!);
    }
    const created = { count: 0, lockedUntil: 0, forgetAt: now, ...extra() } as T;
    map.set(key, created);
    return created;
  }
}

/** Case variants of one name count together (an LDAP directory may not tell them apart). */
export function userKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
