/**
 * What the token store keeps of a session (output and input type SESSION): who, how and when
 * the principal authenticated, and the session's timers. The store, not the token, decides
 * whether a session is alive. Times are epoch milliseconds.
 */
import type { JsonValue } from '../plugin-api/json';

export interface SessionRecord {
  /** Instance path that issued the session (`/default`, `/eu/fr/partners`); only it accepts it. */
  readonly instance: string;
  /** The form of the token that names it: a session JWT names it by `jti`, an opaque token by itself. */
  readonly form: 'jwt' | 'opaque';
  readonly principal: string;
  /** When the principal authenticated; issued tokens carry it as `auth_time`. */
  readonly authTime: number;
  /** RFC 8176 `amr` values of that authentication. */
  readonly amr: readonly string[];
  readonly acr?: string;
  /** Identity attributes or input-token claims at login, for claim mapping of tokens issued from it. */
  readonly attributes: Readonly<Record<string, JsonValue>>;
  /** The session token's own claims (what session details answer). */
  readonly claims: Readonly<Record<string, JsonValue>>;
  readonly issuedAt: number;
  /** Dead from here unless used before; each use moves it on, never past maxExpiresAt. */
  readonly idleExpiresAt: number;
  /** Dead from here whatever happens (the JWT form's `exp`). */
  readonly maxExpiresAt: number;
  /** The store forgets the record at this time (after maxExpiresAt, so an expired or ended session is told apart from an unknown one for a while). */
  readonly keepUntil: number;
  /** Set by logout (`_action=cancel`). */
  readonly endedAt?: number;
}

/** Whether the session may be used at `now`. */
export function isLiveSession(record: SessionRecord, now: number): boolean {
  return record.endedAt === undefined && record.idleExpiresAt > now && record.maxExpiresAt > now;
}
