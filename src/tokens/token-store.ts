/**
 * Shared state behind one interface: the record of every token an instance issued (looked up by
 * a hash, never the token itself) and the replay cache of one-time inputs. Implemented by
 * SQLite (one node, the default) and Redis (several nodes). Times are epoch milliseconds.
 *
 * An implementation throws TokenStoreUnavailableError (503) when its backend cannot answer;
 * callers never see a driver error.
 */
import type { JsonValue } from '../plugin-api/json';
import type { SessionRecord } from './session-record';

export type { SessionRecord };

export interface IssuedTokenRecord {
  /** Instance path that issued the token (`/default`, `/eu/fr/partners`). */
  readonly instance: string;
  /** Output token type (`OPENIDCONNECT`, `SAML2`, a plugin type). */
  readonly tokenType: string;
  readonly principal: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** What an RFC 7662 introspection answer may show (iss, aud, scope, client_id, jti, ...). */
  readonly claims?: Readonly<Record<string, JsonValue>>;
}

export interface TokenStore {
  /** Records an issued token under `hash` until `record.expiresAt`. */
  saveIssued(hash: string, record: IssuedTokenRecord): Promise<void>;
  /** The record for `hash`, or undefined when unknown, cancelled or expired at `now`. */
  findIssued(hash: string, now: number): Promise<IssuedTokenRecord | undefined>;
  /** Forgets the token (cancel, revoke); true when a live record was removed. */
  removeIssued(hash: string, now: number): Promise<boolean>;
  /**
   * Replay cache: true the first time `key` is seen before it expires, false for a replay.
   * Atomic across every node that shares the store. A key that has expired by `now` already is
   * not remembered (true every time): callers refuse expired inputs before asking.
   */
  firstUse(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Records a session under `hash` until `record.keepUntil`, replacing any record of that hash. */
  saveSession(hash: string, record: SessionRecord): Promise<void>;
  /** The session record (live, idle, expired or ended alike), or undefined when unknown or past its keepUntil at `now`. */
  findSession(hash: string, now: number): Promise<SessionRecord | undefined>;
  /**
   * A use of a session: when it is live at `now`, atomically moves its idle expiry to
   * `idleExpiresAt` (never past its maximum) and returns the updated record; otherwise undefined.
   */
  touchSession(hash: string, idleExpiresAt: number, now: number): Promise<SessionRecord | undefined>;
  /**
   * Logout: when the session is live at `now`, atomically marks it ended (for every node sharing
   * the store) and returns the ended record; otherwise undefined.
   */
  endSession(hash: string, now: number): Promise<SessionRecord | undefined>;
  /**
   * Notes that the issued token `tokenHash` came from the session `sessionHash` (for a logout that
   * cancels them), until `expiresAt`.
   */
  linkSessionToken(sessionHash: string, tokenHash: string, expiresAt: number): Promise<void>;
  /** The hashes of the tokens linked to the session and not expired at `now`. */
  sessionTokens(sessionHash: string, now: number): Promise<string[]>;
  /** Deletes expired records, replay entries and sessions past keepUntil; returns how many went. */
  purgeExpired(now: number): Promise<number>;
  /** Resolves when the backend answers; throws TokenStoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Nest injection token of the one TokenStore of the process. */
export const TOKEN_STORE = Symbol('TokenStore');
