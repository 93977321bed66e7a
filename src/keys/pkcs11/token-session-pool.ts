/**
 * The sessions of one PKCS#11 token: logged in once (the login holds for every session of the
 * process), at most `maxSessions` open (fewer if the token allows fewer), each used by one call at
 * a time. Every call is bounded by its key's call_timeout_ms: a token that does not answer in time, or
 * fails, answers 503 key_unavailable, never a hang. A failed call drops the connection; the next
 * call (or readiness check), at most once a second, initialises the library again and reconnects,
 * so the pool comes back by itself when the token does.
 */
import type { Pkcs11Library } from './pkcs11-library';
import { pkcs11ErrorName } from './pkcs11-library';
import { KeyUnavailableError } from './key-unavailable-error';
import * as pkcs11 from 'pkcs11js';

export interface TokenLocation {
  readonly label?: string;
  readonly slot?: number;
}

/** Why the token could not be opened; `field` is the pkcs11 key it concerns (token_label, pin_env, ...). */
export class TokenOpenError extends Error {
  constructor(
    readonly field: 'token' | 'pin' | 'module',
    message: string,
  ) {
    super(message);
  }
}

export interface TokenConnection {
  readonly generation: number;
  readonly slot: pkcs11.Handle;
}

export interface OpenConnection extends TokenConnection {
  readonly idle: pkcs11.Handle[];
  open: number;
  /** What the token allows (0: no limit it tells). */
  readonly tokenLimit: number;
}

type Waiter = { give: (session: pkcs11.Handle) => void; cancelled: boolean };

export type CallResult = 'ok' | 'error' | 'timeout';

/** Between two reconnection attempts, so a token that is down is not hammered by every request. */
const RECONNECT_INTERVAL_MS = 1000;
/** CK_UNAVAILABLE_INFORMATION: the token does not say how many sessions it allows. */
const UNAVAILABLE = 0xffffffff;

export class TokenSessionPool {
  state: 'UP' | 'DOWN' = 'DOWN';
  /** Why the token is DOWN (a PKCS#11 return value or a time-out), for the log and readiness. */
  reason?: string;
  readonly calls: Record<CallResult, number> = { ok: 0, error: 0, timeout: 0 };
  private connection?: OpenConnection;
  private needsReset = false;
  private nextAttempt = 0;
  private waiters: Waiter[] = [];
  /** The token refused this PIN: never tried again (tokens lock a PIN after a few failures); a new PIN makes a new pool. */
  private pinRefusal?: string;

  constructor(
    readonly library: Pkcs11Library,
    readonly location: TokenLocation,
    readonly pin: string,
    private maxSessions: number,
  ) {}

  /** Another key in the token asks for up to `sessions` (the pool keeps the largest). */
  allowSessions(sessions: number): void {
    this.maxSessions = Math.max(this.maxSessions, sessions);
  }

  /** The token's label, or `slot <n>`: a bounded metric label. */
  get label(): string {
    return this.location.label ?? `slot ${this.location.slot}`;
  }

  /** How the token is named in messages: its label, or its slot. */
  get name(): string {
    return this.location.label !== undefined ? `token "${this.location.label}"` : `the token in slot ${this.location.slot}`;
  }

  get api(): pkcs11.PKCS11 {
    return this.library.api;
  }

  /** The current connection, made now if needed; throws TokenOpenError (as at load, with the reason). */
  connect(): OpenConnection {
    const current = this.connection;
    if (current && current.generation === this.library.generation) return current;
    if (this.pinRefusal) throw new TokenOpenError('pin', this.pinRefusal);
    if (this.needsReset) {
      this.needsReset = false;
      this.library.reset();
    }
    const slot = this.findSlot();
    const session = this.api.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION);
    try {
      this.api.C_Login(session, pkcs11.CKU_USER, this.pin);
    } catch (error) {
      const name = pkcs11ErrorName(error);
      if (name !== 'CKR_USER_ALREADY_LOGGED_IN') {
        closeQuietly(this.api, session);
        const why = name === 'CKR_PIN_INCORRECT' ? 'the PIN is wrong' : name === 'CKR_PIN_LOCKED' ? 'the PIN is locked' : name;
        const message = `${this.name} refused the login: ${why}`;
        if (name === 'CKR_PIN_INCORRECT' || name === 'CKR_PIN_LOCKED' || name === 'CKR_PIN_EXPIRED') this.pinRefusal = `${message} (not tried again until the PIN changes)`;
        throw new TokenOpenError('pin', message);
      }
    }
    const limit = this.api.C_GetTokenInfo(slot).maxSessionCount;
    this.connection = { generation: this.library.generation, slot, idle: [session], open: 1, tokenLimit: limit !== UNAVAILABLE ? limit : 0 };
    this.state = 'UP';
    this.reason = undefined;
    return this.connection;
  }

  /**
   * Runs `work` with a session of its own, within the call time-out. `work` starts one token
   * operation (an async pkcs11js call, off the event loop).
   */
  async run<T>(timeoutMs: number, work: (session: pkcs11.Handle, connection: TokenConnection) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const connection = this.usableConnection();
      const waiter: Waiter = { give: () => undefined, cancelled: false };
      const session = await Promise.race([this.acquire(connection, waiter), timedOut]);
      if (session === 'timeout') {
        waiter.cancelled = true;
        throw this.timeout(timeoutMs);
      }
      const call = work(session, connection);
      const settled = call.then(
        () => this.release(connection, session),
        (error: unknown) => this.fail(connection, error),
      );
      const outcome = await Promise.race([call.then((value) => ({ value })), timedOut]);
      if (outcome === 'timeout') {
        // The session comes back (or the connection is dropped) when the token answers at last.
        void settled;
        throw this.timeout(timeoutMs);
      }
      this.calls.ok++;
      return outcome.value;
    } catch (error) {
      if (error instanceof KeyUnavailableError) throw error;
      this.calls.error++;
      throw new KeyUnavailableError(`The signing key's ${this.name} is not available (${this.reason ?? pkcs11ErrorName(error)}); try again shortly.`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** UP or DOWN now; a DOWN token is tried again (at most once a second), so it recovers without traffic. */
  check(): 'UP' | 'DOWN' {
    try {
      this.usableConnection();
    } catch {
      // state and reason say why.
    }
    return this.state;
  }

  /** Closes every session (a PIN change replaces the pool). */
  close(): void {
    const connection = this.connection;
    this.connection = undefined;
    this.state = 'DOWN';
    if (connection && connection.generation === this.library.generation) {
      for (const session of connection.idle) closeQuietly(this.api, session);
    }
  }

  private usableConnection(): OpenConnection {
    const current = this.connection;
    if (current && current.generation === this.library.generation) return current;
    if (Date.now() < this.nextAttempt) throw new Error(this.reason ?? 'reconnecting');
    try {
      return this.connect();
    } catch (error) {
      this.nextAttempt = Date.now() + RECONNECT_INTERVAL_MS;
      this.needsReset = true;
      this.markDown(error instanceof TokenOpenError ? error.message : pkcs11ErrorName(error));
      throw error;
    }
  }

  private acquire(connection: OpenConnection, waiter: Waiter): Promise<pkcs11.Handle> | pkcs11.Handle {
    const idle = connection.idle.pop();
    if (idle !== undefined) return idle;
    const limit = connection.tokenLimit > 0 ? Math.min(connection.tokenLimit, this.maxSessions) : this.maxSessions;
    if (connection.open < limit) {
      const session = this.api.C_OpenSession(connection.slot, pkcs11.CKF_SERIAL_SESSION);
      connection.open++;
      return session;
    }
    return new Promise((resolve) => {
      waiter.give = resolve;
      this.waiters.push(waiter);
    });
  }

  private release(connection: OpenConnection, session: pkcs11.Handle): void {
    if (connection !== this.connection) return;
    for (let waiter = this.waiters.shift(); waiter; waiter = this.waiters.shift()) {
      if (!waiter.cancelled) return waiter.give(session);
    }
    connection.idle.push(session);
  }

  /** Any failure may mean the token went away: drop the connection; the next call reconnects. */
  private fail(connection: OpenConnection, error: unknown): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    // A failure caused by another token's reset of the shared library needs no second reset.
    this.needsReset = connection.generation === this.library.generation;
    this.markDown(pkcs11ErrorName(error));
  }

  private timeout(timeoutMs: number): KeyUnavailableError {
    this.calls.timeout++;
    return new KeyUnavailableError(`The signing key's ${this.name} did not answer within ${timeoutMs} ms; try again shortly.`);
  }

  private markDown(reason: string): void {
    this.state = 'DOWN';
    this.reason = reason;
  }

  private findSlot(): pkcs11.Handle {
    const slots = this.api.C_GetSlotList(true);
    if (this.location.slot !== undefined) {
      const slot = slots.find((s) => s.readUIntLE(0, Math.min(6, s.length)) === this.location.slot);
      if (!slot) throw new TokenOpenError('token', `no token in slot ${this.location.slot} of ${this.library.path}`);
      return slot;
    }
    const labels: string[] = [];
    for (const slot of slots) {
      const label = this.api.C_GetTokenInfo(slot).label.trimEnd();
      if (label === this.location.label) return slot;
      labels.push(`"${label}"`);
    }
    throw new TokenOpenError('token', `no token labelled "${this.location.label}" in ${this.library.path} (tokens present: ${labels.join(', ') || 'none'})`);
  }
}

function closeQuietly(api: pkcs11.PKCS11, session: pkcs11.Handle): void {
  try {
    api.C_CloseSession(session);
  } catch {
    // Gone with the token.
  }
}
