/** Command-line options of `npm run bench -- [--quick] [--seconds N] [--only a,b] [--skip-multi-node] [--out file]`. */
import { resolve } from 'node:path';

/** The scenario with two STS processes on a Redis Cluster (bench/multi-node.ts). */
export const MULTI_NODE_SCENARIO = 'multi-node';

export interface BenchOptions {
  readonly quick: boolean;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Worker counts measured, the first one being the headline (results.json top level). */
  readonly workerCounts: readonly number[];
  /** Scenario names to run; empty: all. */
  readonly only: readonly string[];
  /** Run the multi-node scenario (two STS processes on a Redis Cluster): unless --skip-multi-node, or --only without it. */
  readonly multiNode: boolean;
  /** `--only multi-node`: that scenario alone, printed, without the worker passes and results.json. */
  readonly onlyMultiNode: boolean;
  readonly out: string;
}

const USAGE = 'usage: npm run bench -- [--quick] [--seconds N] [--connections N] [--workers 1,2] [--only name,name] [--skip-multi-node] [--out file]';

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const value = flagReader(argv, ['--quick', '--seconds', '--connections', '--workers', '--only', '--skip-multi-node', '--out'], USAGE);
  const only = value('--only')?.split(',') ?? [];
  return {
    quick,
    connections: positive(value('--connections') ?? '50', '--connections', USAGE),
    warmupSeconds: quick ? 1 : 2,
    seconds: positive(value('--seconds') ?? (quick ? '1' : '5'), '--seconds', USAGE),
    workerCounts: (value('--workers') ?? '1,2').split(',').map((n) => positive(n, '--workers', USAGE)),
    only: only.filter((name) => name !== MULTI_NODE_SCENARIO),
    multiNode: !argv.includes('--skip-multi-node') && (only.length === 0 || only.includes(MULTI_NODE_SCENARIO)),
    onlyMultiNode: only.length > 0 && only.every((name) => name === MULTI_NODE_SCENARIO),
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
