/**
 * The console's sign-in sessions, in this process's memory: a random id (the cookie) maps to its
 * CSRF token and when it was last used. A session unused for longer than the idle timeout is gone;
 * a restart signs everyone out, which suits an operator's console.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConsoleSession {
  readonly id: string;
  readonly csrfToken: string;
  lastUsedAt: number;
}

/** Fifteen minutes without a request ends a session. */
export const CONSOLE_IDLE_TIMEOUT_MS = 15 * 60 * 1000;
/** Bounded so a flood of sign-ins cannot grow memory: the least recently used goes first. */
const MAX_SESSIONS = 1000;

export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    readonly idleTimeoutMs = CONSOLE_IDLE_TIMEOUT_MS,
    /** Replaced in tests to move time on without waiting. */
    public clock: () => number = Date.now,
  ) {}

  create(): ConsoleSession {
    const session = { id: randomBytes(32).toString('base64url'), csrfToken: randomBytes(32).toString('base64url'), lastUsedAt: this.clock() };
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, marked as used now; undefined when unknown or idle too long. */
  use(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.clock();
    if (now - session.lastUsedAt > this.idleTimeoutMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsedAt = now;
    // Re-inserted so the map stays in least-recently-used order.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfTokenMatches(session: ConsoleSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
