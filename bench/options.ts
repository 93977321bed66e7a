/** Command-line options of `npm run bench -- [--quick] [--seconds N] [--only a,b] [--out file]`. */
import { resolve } from 'node:path';

export interface BenchOptions {
  readonly quick: boolean;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Worker counts measured, the first one being the headline (results.json top level). */
  readonly workerCounts: readonly number[];
  /** Scenario names to run; empty: all. */
  readonly only: readonly string[];
  readonly out: string;
}

const USAGE = 'usage: npm run bench -- [--quick] [--seconds N] [--connections N] [--workers 1,2] [--only name,name] [--out file]';

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const value = flagReader(argv, ['--quick', '--seconds', '--connections', '--workers', '--only', '--out'], USAGE);
  return {
    quick,
    connections: positive(value('--connections') ?? '50', '--connections', USAGE),
    warmupSeconds: quick ? 1 : 2,
    seconds: positive(value('--seconds') ?? (quick ? '1' : '5'), '--seconds', USAGE),
    workerCounts: (value('--workers') ?? '1,2').split(',').map((n) => positive(n, '--workers', USAGE)),
    only: value('--only')?.split(',') ?? [],
    out: resolve(value('--out') ?? 'bench/results.json'),
  };
}

/**
 * Rejects an unknown `--flag` (shared with soak.ts and fault.ts, so a typo fails instead of being
 * ignored) and returns a reader of `--flag value` that rejects a missing value.
 */
export function flagReader(argv: readonly string[], known: readonly string[], usage: string): (flag: string) => string | undefined {
  const flags = new Set(known);
  const unknown = argv.filter((arg, i) => arg.startsWith('--') && !flags.has(arg) && !flags.has(argv[i - 1]));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]}\n${usage}`);
  return (flag) => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    const given = argv[at + 1];
    if (given === undefined || given.startsWith('--')) throw new Error(`${flag} needs a value\n${usage}`);
    return given;
  };
}

export function positive(raw: string, flag: string, usage: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, not ${raw}\n${usage}`);
  return n;
}
