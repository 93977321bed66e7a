/**
 * Shared state behind one interface: the record of every token an instance issued (looked up by
 * a hash, never the token itself) and the replay cache of one-time inputs. Implemented by
 * SQLite (one node, the default) and Redis (several nodes). Times are epoch milliseconds.
 *
 * An implementation throws TokenStoreUnavailableError (503) when its backend cannot answer;
 * callers never see a driver error.
 */
import type { JsonValue } from '../plugin-api/json';

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
  /** Deletes expired records and replay entries; returns how many went. */
  purgeExpired(now: number): Promise<number>;
  /** Resolves when the backend answers; throws TokenStoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Nest injection token of the one TokenStore of the process. */
export const TOKEN_STORE = Symbol('TokenStore');
