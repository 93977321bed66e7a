/**
 * The process's structured log: one JSON object per line on stdout (pino), ISO timestamps, the
 * level as a word. No request bodies or headers are ever logged, so nothing needs censoring
 * (pino's redaction would cost 4x per line); test/e2e/logging greps a full run for secrets.
 */
import pino, { type Logger } from 'pino';
import { TurnBufferedDestination } from './log-destination';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export function createRootLogger(level: LogLevelName = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? new TurnBufferedDestination(1),
  );
}

let lastMs = Number.NaN;
let lastTime = '';

/** pino's isoTime, formatted once per millisecond: a busy server writes many lines in each. */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}
