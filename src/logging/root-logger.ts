/**
 * The process's structured log: one JSON object per line on stdout (pino), ISO timestamps, the
 * level as a word. No request bodies or headers are ever logged, so nothing needs censoring
 * (pino's redaction would cost 4x per line); test/e2e/logging greps a full run for secrets.
 */
import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];


export function createRootLogger(level: LogLevelName = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // A direct synchronous write to fd 1: half the cost of going through process.stdout, and
    // nothing is lost when the process exits.
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
