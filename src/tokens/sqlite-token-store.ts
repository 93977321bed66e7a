/**
 * TokenStore in one SQLite file (better-sqlite3): the default, for a single node. Calls are
 * synchronous and short (indexed single-row statements), so they run on the event loop.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TokenStoreUnavailableError } from '../errors/sts-errors';
import type { JsonValue } from '../plugin-api/json';
import { sessionFromRow, sessionToRow, type SessionRow } from './session-rows';
import type { IssuedTokenRecord, SessionRecord, TokenStore } from './token-store';

export interface SqliteTokenStoreOptions {
  /** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
}

interface IssuedRow {
  instance: string;
  token_type: string;
  principal: string;
  issued_at: number;
  expires_at: number;
  claims: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS issued_tokens (
    hash TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    token_type TEXT NOT NULL,
    principal TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    claims TEXT
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS issued_tokens_expires_at ON issued_tokens (expires_at);
  CREATE TABLE IF NOT EXISTS replay_keys (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS replay_keys_expires_at ON replay_keys (expires_at);
  CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    idle_expires_at INTEGER NOT NULL,
    max_expires_at INTEGER NOT NULL,
    keep_until INTEGER NOT NULL,
    ended_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS sessions_keep_until ON sessions (keep_until);
  CREATE TABLE IF NOT EXISTS session_tokens (
    session_hash TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (session_hash, token_hash)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS session_tokens_expires_at ON session_tokens (expires_at);
`;

export class SqliteTokenStore implements TokenStore {
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;

  /** Opens (and creates) the file; throws TokenStoreUnavailableError when it cannot. */
  constructor(
    readonly file: string,
    options: SqliteTokenStoreOptions = {},
  ) {
    this.db = guard(() => openDatabase(file, options.busyTimeoutMs ?? 2000));
    try {
      this.statements = guard(() => prepareStatements(this.db));
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  async saveIssued(hash: string, record: IssuedTokenRecord): Promise<void> {
    guard(() =>
      this.statements.save.run({
        hash,
        instance: record.instance,
        token_type: record.tokenType,
        principal: record.principal,
        issued_at: record.issuedAt,
        expires_at: record.expiresAt,
        claims: record.claims === undefined ? null : JSON.stringify(record.claims),
      }),
    );
  }

  async findIssued(hash: string, now: number): Promise<IssuedTokenRecord | undefined> {
    const row = guard(() => this.statements.find.get(hash, now));
    return row && toRecord(row);
  }

  async removeIssued(hash: string, now: number): Promise<boolean> {
    // Deletes an expired row too (the purge would anyway), but only a live one counts.
    const row = guard(() => this.statements.remove.get(hash));
    return row !== undefined && row.expires_at > now;
  }

  async firstUse(key: string, expiresAt: number, now: number): Promise<boolean> {
    if (expiresAt <= now) return true; // Never remembered: it is expired already.
    // One statement, so atomic across connections: inserts a new key or takes over an expired
    // one; a live key is left alone and `changes` is 0.
    return guard(() => this.statements.firstUse.run({ key, expires_at: expiresAt, now }).changes) === 1;
  }

  async saveSession(hash: string, record: SessionRecord): Promise<void> {
    guard(() => this.statements.saveSession.run({ hash, ...sessionToRow(record) }));
  }

  async findSession(hash: string, now: number): Promise<SessionRecord | undefined> {
    const row = guard(() => this.statements.findSession.get(hash, now));
    return row && sessionFromRow(row);
  }

  async touchSession(hash: string, idleExpiresAt: number, now: number): Promise<SessionRecord | undefined> {
    // One statement: only a live session moves, and two nodes touching at once cannot revive an ended one.
    const row = guard(() => this.statements.touchSession.get({ hash, idle: idleExpiresAt, now }));
    return row && sessionFromRow(row);
  }

  async endSession(hash: string, now: number): Promise<SessionRecord | undefined> {
    const row = guard(() => this.statements.endSession.get({ hash, now }));
    return row && sessionFromRow(row);
  }

  async linkSessionToken(sessionHash: string, tokenHash: string, expiresAt: number): Promise<void> {
    guard(() => this.statements.linkToken.run({ session_hash: sessionHash, token_hash: tokenHash, expires_at: expiresAt }));
  }

  async sessionTokens(sessionHash: string, now: number): Promise<string[]> {
    return guard(() => this.statements.sessionTokens.all(sessionHash, now)).map((row) => row.token_hash);
  }

  async purgeExpired(now: number): Promise<number> {
    return guard(() => this.statements.purge(now));
  }

  async ping(): Promise<void> {
    // Reads the file, so a closed or unreadable database fails here, not only `SELECT 1`.
    guard(() => this.statements.ping.get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // Created by us rather than by SQLite, so that it is private (SQLite's -wal and -shm files
  // copy its permissions).
  closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL loses no committed transaction when the process crashes (only on a power
    // loss or OS crash may the last ones roll back), and saves an fsync per write. Process
    // crashes are what we must survive; a lost record after a power cut only makes a token
    // unknown early.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const purgeIssued = db.prepare<[number]>('DELETE FROM issued_tokens WHERE expires_at <= ?');
  const purgeReplay = db.prepare<[number]>('DELETE FROM replay_keys WHERE expires_at <= ?');
  const purgeSessions = db.prepare<[number]>('DELETE FROM sessions WHERE keep_until <= ?');
  const purgeSessionTokens = db.prepare<[number]>('DELETE FROM session_tokens WHERE expires_at <= ?');
  const live = 'ended_at IS NULL AND idle_expires_at > @now AND max_expires_at > @now AND keep_until > @now';
  return {
    save: db.prepare<[IssuedRow & { hash: string }]>(
      `INSERT INTO issued_tokens (hash, instance, token_type, principal, issued_at, expires_at, claims)
       VALUES (@hash, @instance, @token_type, @principal, @issued_at, @expires_at, @claims)
       ON CONFLICT (hash) DO UPDATE SET instance = excluded.instance, token_type = excluded.token_type,
         principal = excluded.principal, issued_at = excluded.issued_at, expires_at = excluded.expires_at,
         claims = excluded.claims`,
    ),
    find: db.prepare<[string, number], IssuedRow>(
      `SELECT instance, token_type, principal, issued_at, expires_at, claims FROM issued_tokens
       WHERE hash = ? AND expires_at > ?`,
    ),
    remove: db.prepare<[string], { expires_at: number }>('DELETE FROM issued_tokens WHERE hash = ? RETURNING expires_at'),
    firstUse: db.prepare<[{ key: string; expires_at: number; now: number }]>(
      `INSERT INTO replay_keys (key, expires_at) VALUES (@key, @expires_at)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_keys.expires_at <= @now`,
    ),
    saveSession: db.prepare<[SessionRow & { hash: string }]>(
      `INSERT INTO sessions (hash, data, idle_expires_at, max_expires_at, keep_until, ended_at)
       VALUES (@hash, @data, @idle_expires_at, @max_expires_at, @keep_until, @ended_at)
       ON CONFLICT (hash) DO UPDATE SET data = excluded.data, idle_expires_at = excluded.idle_expires_at,
         max_expires_at = excluded.max_expires_at, keep_until = excluded.keep_until, ended_at = excluded.ended_at`,
    ),
    findSession: db.prepare<[string, number], SessionRow>(
      'SELECT data, idle_expires_at, max_expires_at, keep_until, ended_at FROM sessions WHERE hash = ? AND keep_until > ?',
    ),
    touchSession: db.prepare<[{ hash: string; idle: number; now: number }], SessionRow>(
      `UPDATE sessions SET idle_expires_at = MIN(@idle, max_expires_at) WHERE hash = @hash AND ${live}
       RETURNING data, idle_expires_at, max_expires_at, keep_until, ended_at`,
    ),
    endSession: db.prepare<[{ hash: string; now: number }], SessionRow>(
      `UPDATE sessions SET ended_at = @now WHERE hash = @hash AND ${live}
       RETURNING data, idle_expires_at, max_expires_at, keep_until, ended_at`,
    ),
    linkToken: db.prepare<[{ session_hash: string; token_hash: string; expires_at: number }]>(
      `INSERT INTO session_tokens (session_hash, token_hash, expires_at) VALUES (@session_hash, @token_hash, @expires_at)
       ON CONFLICT (session_hash, token_hash) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    ),
    sessionTokens: db.prepare<[string, number], { token_hash: string }>('SELECT token_hash FROM session_tokens WHERE session_hash = ? AND expires_at > ?'),
    purge: db.transaction(
      (now: number) => purgeIssued.run(now).changes + purgeReplay.run(now).changes + purgeSessions.run(now).changes + purgeSessionTokens.run(now).changes,
    ),
    ping: db.prepare<[]>('SELECT 1 FROM replay_keys LIMIT 1'),
  };
}

function toRecord(row: IssuedRow): IssuedTokenRecord {
  return {
    instance: row.instance,
    tokenType: row.token_type,
    principal: row.principal,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    ...(row.claims !== null && { claims: JSON.parse(row.claims) as Record<string, JsonValue> }),
  };
}

/**
 * Runs a driver call; any failure (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR, a closed database,
 * a file that cannot be created) becomes TokenStoreUnavailableError with the original as cause.
 */
function guard<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new TokenStoreUnavailableError({ cause: error });
  }
}
