/**
 * The audit trail: one `"audit": {...}` log line for every token issued, validated, cancelled,
 * introspected or revoked and every failed authentication. It names the instance, the token
 * types, the principal, the outcome and the SHA-256 of the token; never a password, a token or
 * key material.
 */
import type { Logger } from 'pino';

export type AuditAction = 'issue' | 'exchange' | 'validate' | 'cancel' | 'introspect' | 'revoke' | 'authenticate';

export interface AuditEvent {
  readonly action: AuditAction;
  readonly outcome: 'success' | 'failure';
  /** Instance path. */
  readonly instance?: string;
  readonly input_type?: string;
  readonly output_type?: string;
  /** Who the token is about (or, for a failed login, the name that was tried). */
  readonly principal?: string;
  /** Stable error code of a failure. */
  readonly error?: string;
  /** base64url SHA-256 of the token issued or presented (as the token store keys it). */
  readonly token_hash?: string;
  /** An authenticated OAuth client. */
  readonly client_id?: string;
  /** What failed to authenticate: a user (USERNAME input), an OAuth client or the admin API. */
  readonly credential?: 'user' | 'client' | 'admin';
  readonly request_id?: string;
  readonly remote_address?: string;
}

/** Longest principal written; a longer (attacker-chosen) name is cut. */
const MAX_PRINCIPAL = 256;

export class AuditLog {
  /** Told of every event written (the admin console keeps the latest in memory). */
  private readonly listeners: ((event: AuditEvent) => void)[] = [];

  constructor(private readonly log: Logger) {}

  subscribe(listener: (event: AuditEvent) => void): void {
    this.listeners.push(listener);
  }

  /** False when the log level leaves audit lines out: callers then skip building them. */
  get enabled(): boolean {
    return this.log.isLevelEnabled('info');
  }

  record(event: AuditEvent): void {
    if (!this.enabled) return;
    const principal = event.principal && event.principal.length > MAX_PRINCIPAL ? `${event.principal.slice(0, MAX_PRINCIPAL)}...` : event.principal;
    // The caller's event as it is unless the principal was cut (no copy per line); listeners get their own.
    const written = principal === event.principal ? event : { ...event, principal };
    this.log.info({ audit: written }, `audit ${event.action} ${event.outcome}`);
    for (const listener of this.listeners) listener({ ...written });
  }
}

export const AUDIT_LOG = Symbol('AuditLog');
