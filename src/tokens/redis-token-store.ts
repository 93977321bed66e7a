/**
 * TokenStore in Redis (ioredis), shared by several nodes. Keys expire by Redis TTL (PXAT), so
 * there is nothing to purge. While Redis is down every call fails at once with
 * TokenStoreUnavailableError (nothing is queued), and the client keeps reconnecting in the
 * background, so the node recovers by itself.
 */
import { Logger, type LoggerService } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { TokenStoreUnavailableError } from '../errors/sts-errors';
import { connectRedis, describeRedis, ioredis, type RedisClient, type RedisConnectionSettings } from './redis-connection';
import { sessionFromRow, sessionToRow, type SessionRow } from './session-rows';
import type { IssuedTokenRecord, SessionRecord, TokenStore } from './token-store';

/**
 * Session updates as Lua scripts, so each is atomic across nodes: only a live session (not ended,
 * before its idle and maximum expiry) is touched or ended; the reply is the hash after the change.
 * Numbers stay strings (Lua would print large ones in exponent form).
 */
const LIVE_SESSION_CHECK = `
  local v = redis.call('HMGET', KEYS[1], 'idle_expires_at', 'max_expires_at', 'ended_at')
  if not v[1] or v[3] then return false end
  local now = tonumber(ARGV[1])
  if tonumber(v[1]) <= now or tonumber(v[2]) <= now then return false end
`;
const TOUCH_SESSION_SCRIPT = `${LIVE_SESSION_CHECK}
  local idle = ARGV[2]
  if tonumber(idle) > tonumber(v[2]) then idle = v[2] end
  redis.call('HSET', KEYS[1], 'idle_expires_at', idle)
  return redis.call('HGETALL', KEYS[1])`;
/** Adds a token to a session's set (a sorted set scored by expiry); the set lives as long as its longest-lived token. */
const LINK_TOKEN_SCRIPT = `
  redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 or tonumber(ARGV[3]) > ttl then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
  return 1`;
/** Replaces a session's hash: KEYS[1] the hash, ARGV[1] keep-until (ms), then field, value pairs. */
const SAVE_SESSION_SCRIPT = `
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
  return 1`;
const END_SESSION_SCRIPT = `${LIVE_SESSION_CHECK}
  redis.call('HSET', KEYS[1], 'ended_at', ARGV[1])
  return redis.call('HGETALL', KEYS[1])`;

export interface RedisTokenStoreOptions extends RedisConnectionSettings {
  readonly keyPrefix: string;
  /**
   * Replicas that must hold a write before it is confirmed (Redis WAIT), so a token answered
   * with 200 survives a failover; 0 does not wait. A write fewer replicas confirm within
   * `waitTimeoutMs` fails with 503 (a replay key is kept anyway: the caller must not retry into a "replay").
   */
  readonly waitForReplicas?: number;
  readonly waitTimeoutMs?: number;
}

export { connectRedis, reconnectDelayMs } from './redis-connection';

export class RedisTokenStore implements TokenStore {
  private readonly client: RedisClient;
  /** Connection state as last logged, so a loss and a recovery are each logged once. */
  private reachable: boolean | undefined;
  private closing = false;

  constructor(
    private readonly options: RedisTokenStoreOptions,
    private readonly logger: Pick<LoggerService, 'log' | 'warn'> = new Logger('TokenStore'),
  ) {
    this.client = connectRedis(options);
    // Without an 'error' listener a connection error would be thrown by the EventEmitter.
    this.client.on('error', (error: Error) => this.markDown(error));
    this.client.on('close', () => this.markDown());
    this.client.on('ready', () => this.markUp());
  }

  async saveIssued(hash: string, record: IssuedTokenRecord): Promise<void> {
    // PXAT in the past would be an error or an instantly deleted key; there is nothing to keep.
    if (record.expiresAt <= Date.now()) return;
    // The fields of the interface only, as SQLite keeps them (an absent `claims` stays absent).
    const { instance, tokenType, principal, issuedAt, expiresAt, claims } = record;
    const json = JSON.stringify({ instance, tokenType, principal, issuedAt, expiresAt, claims });
    await this.replicated((batch) => batch.set(this.issuedKey(hash), json, 'PXAT', expiresAt));
  }

  async findIssued(hash: string, now: number): Promise<IssuedTokenRecord | undefined> {
    const json = await this.command(() => this.client.get(this.issuedKey(hash)));
    const record = json === null ? undefined : this.parse(json);
    // Redis expires by its own clock; `now` is the caller's.
    return record && record.expiresAt > now ? record : undefined;
  }

  async removeIssued(hash: string, now: number): Promise<boolean> {
    const json = await this.command(() => this.client.getdel(this.issuedKey(hash)));
    return json !== null && this.parse(json).expiresAt > now;
  }

  async firstUse(key: string, expiresAt: number, now: number): Promise<boolean> {
    if (expiresAt <= now) return true; // Never remembered: it is expired already.
    // NX makes it atomic across nodes: only the first SET of a live key answers OK.
    const reply = await this.replicated((batch) => batch.set(this.replayKey(key), '1', 'PXAT', expiresAt, 'NX'), { mustReach: false });
    return reply === 'OK';
  }

  async saveSession(hash: string, record: SessionRecord): Promise<void> {
    if (record.keepUntil <= Date.now()) return;
    const key = this.sessionKey(hash);
    const { ended_at, ...row } = sessionToRow(record);
    const fields = { ...row, ...(ended_at !== null && { ended_at }) };
    const pairs = Object.entries(fields).flatMap(([field, value]) => [field, String(value)]);
    await this.replicated((batch) => batch.eval(SAVE_SESSION_SCRIPT, 1, key, record.keepUntil, ...pairs));
  }

  async findSession(hash: string, now: number): Promise<SessionRecord | undefined> {
    const fields = await this.command(() => this.client.hgetall(this.sessionKey(hash)));
    const record = this.sessionOf(fields);
    return record && record.keepUntil > now ? record : undefined;
  }

  async touchSession(hash: string, idleExpiresAt: number, now: number): Promise<SessionRecord | undefined> {
    const reply = await this.replicated((batch) => batch.eval(TOUCH_SESSION_SCRIPT, 1, this.sessionKey(hash), now, idleExpiresAt));
    return this.sessionOf(pairs(reply));
  }

  async endSession(hash: string, now: number): Promise<SessionRecord | undefined> {
    const reply = await this.replicated((batch) => batch.eval(END_SESSION_SCRIPT, 1, this.sessionKey(hash), now));
    return this.sessionOf(pairs(reply));
  }

  async linkSessionToken(sessionHash: string, tokenHash: string, expiresAt: number): Promise<void> {
    const ttl = expiresAt - Date.now();
    if (ttl <= 0) return;
    await this.replicated((batch) => batch.eval(LINK_TOKEN_SCRIPT, 1, this.sessionTokensKey(sessionHash), tokenHash, expiresAt, ttl));
  }

  async sessionTokens(sessionHash: string, now: number): Promise<string[]> {
    return this.command(() => this.client.zrangebyscore(this.sessionTokensKey(sessionHash), `(${now}`, '+inf'));
  }

  async purgeExpired(_now: number): Promise<number> {
    return 0; // Redis deletes expired keys itself.
  }

  async ping(): Promise<void> {
    await this.command(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.closing = true; // A deliberate close is not an outage to log.
    if (this.client.status === 'end') return;
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    // Also after QUIT: a Sentinel client's failover watch holds its own connections to the sentinels.
    this.client.disconnect();
  }

  private issuedKey(hash: string): string {
    return `${this.options.keyPrefix}tok:${hash}`;
  }

  private replayKey(key: string): string {
    return `${this.options.keyPrefix}once:${key}`;
  }

  private sessionTokensKey(hash: string): string {
    return `${this.options.keyPrefix}session-tokens:${hash}`;
  }

  private sessionKey(hash: string): string {
    return `${this.options.keyPrefix}session:${hash}`;
  }

  /** The record in a hash's fields; undefined for a missing key (no fields). */
  private sessionOf(fields: Record<string, string> | undefined): SessionRecord | undefined {
    if (!fields || fields.data === undefined) return undefined;
    try {
      const row: SessionRow = {
        data: fields.data,
        idle_expires_at: Number(fields.idle_expires_at),
        max_expires_at: Number(fields.max_expires_at),
        keep_until: Number(fields.keep_until),
        ended_at: fields.ended_at === undefined ? null : Number(fields.ended_at),
      };
      return sessionFromRow(row);
    } catch (error) {
      throw new TokenStoreUnavailableError({ cause: error });
    }
  }

  private parse(json: string): IssuedTokenRecord {
    try {
      return JSON.parse(json) as IssuedTokenRecord;
    } catch (error) {
      throw new TokenStoreUnavailableError({ cause: error });
    }
  }

  /**
   * Runs one write and, with `waitForReplicas`, WAIT on the same connection right after it (one
   * pipeline: in a Cluster both go to the key's primary); the write's reply.
   */
  private async replicated(write: (batch: ChainableCommander) => ChainableCommander, { mustReach = true } = {}): Promise<unknown> {
    const replicas = this.options.waitForReplicas ?? 0;
    const results = await this.command(async () => {
      const batch = write(this.client.pipeline());
      if (replicas > 0) batch.wait(replicas, this.options.waitTimeoutMs ?? this.options.commandTimeoutMs);
      return (await batch.exec()) ?? [];
    });
    for (const [error] of results) {
      if (!error) continue;
      this.followMovedSlot(error);
      throw new TokenStoreUnavailableError({ cause: error });
    }
    if (replicas > 0 && mustReach && Number(results[1]?.[1]) < replicas) {
      throw new TokenStoreUnavailableError({ cause: new Error(`only ${String(results[1]?.[1])} of ${replicas} replicas confirmed the write in time`) });
    }
    return results[0]?.[1];
  }

  /**
   * ioredis follows a MOVED reply of a single command, but not of a write + WAIT pipeline whose
   * WAIT was answered (its replies differ): after a Cluster failover it would keep sending that
   * slot to the old primary, now a replica. Refresh the slot map so the next request goes to
   * the new primary; this one still fails (nothing is sent twice).
   */
  private followMovedSlot(error: Error): void {
    if (this.client instanceof ioredis().Cluster && /^(MOVED|ASK) /.test(error.message)) this.client.refreshSlotsCache();
  }

  private async command<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new TokenStoreUnavailableError({ cause: error });
    }
  }

  private markDown(error?: Error): void {
    if (this.reachable === false || this.closing) return;
    const first = this.reachable === undefined;
    this.reachable = false;
    const reason = error ? `: ${error.message}` : '';
    this.logger.warn(
      `${first ? 'Redis is not reachable' : 'Lost the connection to Redis'} at ${this.where()}${reason}; ` +
        'token-store operations fail with 503 until it is back (stateless transforms keep working); reconnecting',
    );
  }

  private markUp(): void {
    if (this.reachable === false) this.logger.log(`Redis at ${this.where()} is reachable again`);
    else if (this.reachable === undefined) this.logger.log(`Connected to Redis at ${this.where()}`);
    this.reachable = true;
  }

  private where(): string {
    return describeRedis(this.options);
  }
}

/** An HGETALL reply from a script (a flat [field, value, ...] list, or null) as an object. */
function pairs(reply: unknown): Record<string, string> | undefined {
  if (!Array.isArray(reply)) return undefined;
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}
