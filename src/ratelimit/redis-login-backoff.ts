/**
 * Login back-off counted in Redis (`login_backoff.shared: true`), with the rules of LoginBackoff,
 * so failures from every worker and node count against the same user and address, and a lock
 * holds cluster-wide. Per user a hash {count, locked_until} and a sorted set of the addresses
 * that failed for it (newest kept); per address a hash. Each key expires max_delay after its lock
 * ends, as the in-process records are forgotten. Times are Redis's clock, so nodes agree.
 * User names are stored as SHA-256 digests, not in clear. When Redis does not answer, this
 * process's own LoginBackoff answers (the back-off then holds per process).
 * Both scripts read a user's and an address's keys together, so all back-off keys carry one hash
 * tag, `{lb}`: in a Redis Cluster they live in one slot (login attempts are few; the slot is small).
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '../tokens/redis-connection';
import type { LoginBackoffSettings } from '../server-config/server-config';
import { LoginBackoff, type LoginBackoffStore, MAX_ADDRESSES_PER_USER, userKey } from './login-backoff';
import type { RedisCounterClient } from './redis-counter-client';
import { retryAfterOf, type RetryAfterSeconds } from './window-counter';

/** KEYS: user hash, user's addresses, address hash; ARGV[1] the address. Shared by both scripts. */
const LOCK_OF = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function locked_until(address)
  local until_ms = tonumber(redis.call('HGET', KEYS[3], 'locked_until') or '0')
  if redis.call('ZSCORE', KEYS[2], address) then
    until_ms = math.max(until_ms, tonumber(redis.call('HGET', KEYS[1], 'locked_until') or '0'))
  end
  return until_ms
end
local now = now_ms()
local wait = locked_until(ARGV[1]) - now
`;

/** -> ms until the lock ends, or 0. */
const RETRY_AFTER = `${LOCK_OF}
return math.max(wait, 0)`;

/**
 * ARGV: address, succeeded (1/0), lock after user failures, lock after address failures, first
 * delay ms, max delay ms, addresses kept per user -> ms until a lock that began meanwhile ends
 * (nothing recorded), or 0.
 */
const SETTLE = `${LOCK_OF}
if wait > 0 then return wait end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 0
end
local first, max_delay = tonumber(ARGV[5]), tonumber(ARGV[6])
local function count(key, lock_after)
  local n = redis.call('HINCRBY', key, 'count', 1)
  local locked = tonumber(redis.call('HGET', key, 'locked_until') or '0')
  if n >= lock_after then
    locked = now + math.min(first * 2 ^ math.min(n - lock_after, 30), max_delay)
    redis.call('HSET', key, 'locked_until', locked)
  end
  local forget = math.max(now, locked) + max_delay
  redis.call('PEXPIREAT', key, forget)
  return forget
end
local forget_user = count(KEYS[1], tonumber(ARGV[3]))
count(KEYS[3], tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
redis.call('PEXPIREAT', KEYS[2], forget_user)
return 0`;

type Keys = [user: string, userAddresses: string, address: string];
type RedisWithBackoff = RedisClient & {
  loginRetryAfter(...args: [...Keys, string]): Promise<number>;
  loginSettle(...args: [...Keys, ...string[]]): Promise<number>;
};

export class RedisLoginBackoff implements LoginBackoffStore {
  private readonly redis: RedisWithBackoff;
  private readonly local: LoginBackoff;

  /** The client is the caller's to close. */
  constructor(
    private readonly client: RedisCounterClient,
    private readonly settings: LoginBackoffSettings,
  ) {
    this.local = new LoginBackoff(settings);
    this.redis = client.redis as RedisWithBackoff;
    this.redis.defineCommand('loginRetryAfter', { numberOfKeys: 3, lua: RETRY_AFTER });
    this.redis.defineCommand('loginSettle', { numberOfKeys: 3, lua: SETTLE });
  }

  retryAfter(username: string, address: string): Promise<RetryAfterSeconds> {
    return this.client.orLocally(
      async () => retryAfterOf(await this.redis.loginRetryAfter(...this.keys(username, address), address)),
      () => this.local.retryAfter(username, address),
    );
  }

  settle(username: string, address: string, succeeded: boolean): Promise<RetryAfterSeconds> {
    const { lockAfterUserFailures, lockAfterAddressFailures, firstDelaySeconds, maxDelaySeconds } = this.settings;
    const args = [address, succeeded ? '1' : '0', lockAfterUserFailures, lockAfterAddressFailures, firstDelaySeconds * 1000, maxDelaySeconds * 1000, MAX_ADDRESSES_PER_USER].map(String);
    return this.client.orLocally(
      async () => retryAfterOf(await this.redis.loginSettle(...this.keys(username, address), ...args)),
      () => this.local.settle(username, address, succeeded),
    );
  }

  private keys(username: string, address: string): Keys {
    const user = createHash('sha256').update(userKey(username)).digest('base64url');
    const prefix = `${this.client.keyPrefix}{lb}:`;
    return [`${prefix}u:${user}`, `${prefix}ua:${user}`, `${prefix}a:${address}`];
  }
}
