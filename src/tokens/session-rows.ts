/**
 * A SessionRecord as both stores keep it: the fields that never change as one JSON text, the
 * timers apart so they can be compared and updated atomically.
 */
import type { SessionRecord } from './session-record';

export interface SessionRow {
  data: string;
  idle_expires_at: number;
  max_expires_at: number;
  keep_until: number;
  ended_at: number | null;
}

export function sessionToRow(record: SessionRecord): SessionRow {
  const { idleExpiresAt, maxExpiresAt, keepUntil, endedAt, ...fixed } = record;
  return {
    data: JSON.stringify(fixed),
    idle_expires_at: idleExpiresAt,
    max_expires_at: maxExpiresAt,
    keep_until: keepUntil,
    ended_at: endedAt ?? null,
  };
}

export function sessionFromRow(row: SessionRow): SessionRecord {
  const fixed = JSON.parse(row.data) as Omit<SessionRecord, 'idleExpiresAt' | 'maxExpiresAt' | 'keepUntil' | 'endedAt'>;
  return {
    ...fixed,
    idleExpiresAt: Number(row.idle_expires_at),
    maxExpiresAt: Number(row.max_expires_at),
    keepUntil: Number(row.keep_until),
    ...(row.ended_at !== null && { endedAt: Number(row.ended_at) }),
  };
}
