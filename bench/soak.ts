/**
 * Soak (issue 11; not run in CI): holds one scenario at a fraction of its maximum rate for minutes
 * against the server started the bench way, samples each worker's RSS and the event-loop delay,
 * and judges whether memory stays flat after warm-up. Writes bench/soak-results.json; exits 1 on
 * an error, a non-2xx answer or memory that keeps growing.
 *
 *   node dist-bench/bench/soak.js [--seconds 300] [--scenario 'oidc-es256>oidc-es256'] [--rate-fraction 0.8] [--workers 1] [--sample-seconds 5]
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeBenchConfig } from './bench-config';
import { runLoad, round, type LoadResult } from './load';
import { flagReader, positive } from './options';
import type { BenchResults } from './results';
import { runScenario, translateUrl } from './scenario-run';
import { scenarios, type Scenario } from './scenarios';
import { rssMiB, type ServedProcess } from './served-process';
import { REPO, startSts } from './worker-pass';

const USAGE =
  "usage: node dist-bench/bench/soak.js [--seconds 300] [--scenario 'oidc-es256>oidc-es256'] [--rate-fraction 0.8] [--workers 1] [--sample-seconds 5]";
const OUT = join(REPO, 'bench', 'soak-results.json');
/** Same connection count as `npm run bench`; the rate, not the connections, sets the load. */
const CONNECTIONS = 50;
/** Growth over the second half allowed before memory counts as growing: the larger of the two. */
const FLAT_MIB = 5;
const FLAT_FRACTION = 0.05;
/** The second half is cut into this many windows; the trend is fitted through each one's lowest RSS. */
const FLOOR_WINDOWS = 5;

interface Sample {
  readonly t_s: number;
  /** RSS in MiB by worker pid. */
  readonly rss_mib: Record<string, number>;
  /** From /metrics of whichever worker answered: lag of one setImmediate, and p99 of the delay since the previous scrape. */
  readonly eventloop_lag_ms?: number;
  readonly eventloop_lag_p99_ms?: number;
}

function parse(argv: readonly string[]) {
  const value = flagReader(argv, ['--seconds', '--scenario', '--rate-fraction', '--workers', '--sample-seconds'], USAGE);
  const fraction = Number(value('--rate-fraction') ?? '0.8');
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`--rate-fraction must be a number in (0, 1], not ${value('--rate-fraction')}\n${USAGE}`);
  const seconds = positive(value('--seconds') ?? '300', '--seconds', USAGE);
  const sampleSeconds = positive(value('--sample-seconds') ?? '5', '--sample-seconds', USAGE);
  // The trend needs a few samples in the second half.
  if (seconds < sampleSeconds * 8) throw new Error(`--seconds must be at least 8 x --sample-seconds (${sampleSeconds * 8})\n${USAGE}`);
  return {
    seconds,
    scenario: value('--scenario') ?? 'oidc-es256>oidc-es256',
    fraction,
    workers: positive(value('--workers') ?? '1', '--workers', USAGE),
    sampleSeconds,
  };
}

/** The rate `npm run bench` measured for this scenario at this worker count (a full run, not --quick), if any. */
function benchRate(name: string, workers: number): number | undefined {
  const file = join(REPO, 'bench', 'results.json');
  if (!existsSync(file)) return undefined;
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  if (results.run?.quick) return undefined;
  const pass = results.workers === workers ? results : results.scaling?.find((s) => s.workers === workers);
  const rps = pass?.scenarios.find((s) => s.name === name && !s.skipped)?.rps;
  return rps && rps > 0 ? rps : undefined;
}

async function sample(sts: ServedProcess, startedAt: number): Promise<Sample> {
  const rss_mib = Object.fromEntries(sts.servingPids().map((pid) => [String(pid), rssMiB(pid)]));
  const text = await fetch(`${sts.baseUrl}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  const metric = (name: string) => {
    const found = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
    return found ? round(Number(found[1]) * 1000, 1) : undefined;
  };
  return {
    t_s: Math.round((Date.now() - startedAt) / 1000),
    rss_mib,
    eventloop_lag_ms: metric('sts_nodejs_eventloop_lag_seconds'),
    eventloop_lag_p99_ms: metric('sts_nodejs_eventloop_lag_p99_seconds'),
  };
}

/**
 * Least-squares slope (MiB/min) and fitted growth (MiB) of one worker's RSS floor over the second
 * half. A leak raises the RSS left after garbage collection; the samples also catch the sawtooth
 * between collections (about 50 MiB and 30 s per cycle under the default scenario), and a fit
 * through every sample then depends on where in a cycle the run ends (rising edge: "growing").
 * So each of FLOOR_WINDOWS windows contributes its lowest sample.
 */
function trend(samples: readonly Sample[], pid: string, seconds: number) {
  const half = samples.filter((s) => s.t_s >= seconds / 2 && s.rss_mib[pid] !== undefined);
  const windowSeconds = seconds / 2 / FLOOR_WINDOWS;
  const floors = new Map<number, [number, number]>();
  for (const s of half) {
    const index = Math.min(FLOOR_WINDOWS - 1, Math.floor((s.t_s - seconds / 2) / windowSeconds));
    const lowest = floors.get(index);
    if (!lowest || s.rss_mib[pid] < lowest[1]) floors.set(index, [s.t_s / 60, s.rss_mib[pid]]);
  }
  const points = [...floors.entries()].sort(([a], [b]) => a - b).map(([, point]) => point);
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = sxx > 0 ? points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx : 0;
  const growth = slope * (points[n - 1][0] - points[0][0]);
  const start = points[0][1];
  const limit = Math.max(FLAT_MIB, FLAT_FRACTION * start);
  return { pid: Number(pid), samples: half.length, floor_points: n, start_mib: start, slope_mib_per_min: round(slope, 2), growth_mib: round(growth, 1), limit_mib: round(limit, 1), flat: growth < limit };
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const config = await writeBenchConfig();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const all = scenarios(config);
    const scenario: Scenario | undefined = all.find((s) => s.name === options.scenario);
    if (!scenario) throw new Error(`unknown scenario ${options.scenario}; scenarios: ${all.map((s) => s.name).join(', ')}\n${USAGE}`);
    // A one-time input (SAML) would need a pool of minted tokens for minutes of load.
    if (scenario.oneTimeInput) throw new Error(`${scenario.name} needs one-time input tokens; soak a scenario with a fixed body`);

    const sts = await startSts(config, options.workers);
    try {
      let maxRate = benchRate(scenario.name, options.workers);
      const rateFrom = maxRate ? 'bench/results.json' : 'measured';
      if (!maxRate) {
        log(`measuring the max rate of ${scenario.name} (${options.workers} worker(s))`);
        // Measured with the soak's own body (the same token every time), not a pool of fresh ones.
        const fixedBody = { ...scenario, freshIdToken: undefined };
        const inputs = { freshIdTokens: async () => [], verifiedTokenCache: config.verifiedTokenCache, hsm: config.hsm };
        const outcome = await runScenario(sts.baseUrl, fixedBody, { connections: CONNECTIONS, warmupSeconds: 2, seconds: 5 }, inputs);
        if ('skipped' in outcome) throw new Error(`${scenario.name} skipped: ${outcome.skipped}`);
        maxRate = outcome.result.rps;
      }
      const rate = Math.max(1, Math.round(maxRate * options.fraction));
      log(`soak: ${scenario.name} at ${rate}/s (${options.fraction} x ${maxRate}/s, ${rateFrom}) for ${options.seconds} s`);

      const startedAt = Date.now();
      const samples: Sample[] = [await sample(sts, startedAt)];
      const timer = setInterval(() => {
        void sample(sts, startedAt).then((s) => {
          samples.push(s);
          log(`  ${s.t_s}s rss ${Object.values(s.rss_mib).join('/')} MiB, event-loop lag p99 ${s.eventloop_lag_p99_ms ?? '?'} ms`);
        });
      }, options.sampleSeconds * 1000);
      let load: LoadResult;
      try {
        const target = { url: translateUrl(sts.baseUrl, scenario.instance), headers: scenario.headers, body: scenario.body };
        load = await runLoad(target, { connections: CONNECTIONS, warmupSeconds: 0, seconds: options.seconds, rate });
      } finally {
        clearInterval(timer);
      }
      samples.push(await sample(sts, startedAt));

      // A worker replaced during the run has two pids: judge each pid on its own samples.
      const pids = [...new Set(samples.flatMap((s) => Object.keys(s.rss_mib)))];
      const trends = pids.map((pid) => trend(samples, pid, options.seconds)).filter((t) => t.samples >= 3);
      const flat = trends.length > 0 && trends.every((t) => t.flat);
      const lagP99 = samples.map((s) => s.eventloop_lag_p99_ms).filter((v): v is number => v !== undefined);
      const results = {
        scenario: scenario.name,
        workers: options.workers,
        seconds: options.seconds,
        max_rate: maxRate,
        max_rate_from: rateFrom,
        rate,
        achieved_rps: load.rps,
        requests: load.requests,
        errors: load.errors,
        non2xx: load.non2xx,
        p50_ms: load.p50_ms,
        p99_ms: load.p99_ms,
        eventloop_lag_p99_ms_max: lagP99.length > 0 ? Math.max(...lagP99) : undefined,
        rss_trend: { window: 'second half', verdict: flat ? 'flat' : 'growing', workers: trends },
        samples,
        run: { date: new Date().toISOString(), node: process.version },
      };
      writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
      const lines = [
        `soak ${scenario.name}, ${options.workers} worker(s), ${options.seconds} s at ${rate}/s (${options.fraction} x ${maxRate}/s from ${rateFrom})`,
        `requests ${load.requests} (${results.achieved_rps}/s), errors ${load.errors}, non-2xx ${load.non2xx}, p50 ${load.p50_ms} ms, p99 ${load.p99_ms} ms`,
        `event-loop lag p99 (max over samples): ${results.eventloop_lag_p99_ms_max ?? 'n/a'} ms`,
        ...trends.map(
          (t) => `worker ${t.pid}: rss floor ${t.start_mib} MiB at half time, ${t.slope_mib_per_min} MiB/min, growth ${t.growth_mib} MiB over the second half, fitted through ${t.floor_points} window minima (limit ${t.limit_mib})`,
        ),
        `rss: ${results.rss_trend.verdict}`,
        `written: ${OUT}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (load.errors > 0 || load.non2xx > 0 || !flat) process.exitCode = 1;
    } finally {
      await sts.stop();
    }
  } finally {
    rmSync(dirname(config.configDir), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
