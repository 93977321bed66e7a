/**
 * bench/results.json (SPEC section 6): the headline worker count at the top level, the other
 * worker counts under `scaling`, and the issue-9 targets, each judged from numbers of this run.
 */
import { cpus } from 'node:os';
import { round } from './load';
import type { Scenario } from './scenarios';
import { PEER_NAME, type WorkerPass } from './worker-pass';

export interface ScenarioResult {
  name: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  ceiling: string;
  ratio: number;
  peer_ratio?: number;
  probe_p99_ms?: number;
  skipped?: string;
}

export interface Target {
  target: string;
  value: number;
  goal: string;
  met: boolean;
}

export interface BenchResults {
  ceilings: WorkerPass['ceilings'];
  scenarios: ScenarioResult[];
  peers: Record<string, { rps: number; p99_ms: number; errors: number; non2xx: number }>;
  workers: number;
  rss_mib_per_worker: number[];
  scaling: { workers: number; ceilings: WorkerPass['ceilings']; scenarios: ScenarioResult[]; peers: BenchResults['peers']; rss_mib_per_worker: number[] }[];
  targets: Target[];
  run: { date: string; node: string; cpus: number; cpu_model: string; connections: number; seconds: number; quick: boolean };
}

/** p99 of the light load beside a password-hash scenario must stay below this. */
export const PROBE_P99_LIMIT_MS = 50;

export function buildResults(passes: readonly WorkerPass[], scenarioList: readonly Scenario[], run: BenchResults['run']): BenchResults {
  const [headline, ...others] = passes;
  const scenarios = scenarioResults(headline, scenarioList);
  return {
    ceilings: headline.ceilings,
    scenarios,
    peers: peers(headline),
    workers: headline.workers,
    rss_mib_per_worker: headline.rssMiB,
    scaling: others.map((pass) => ({
      workers: pass.workers,
      ceilings: pass.ceilings,
      scenarios: scenarioResults(pass, scenarioList),
      peers: peers(pass),
      rss_mib_per_worker: pass.rssMiB,
    })),
    targets: targets(scenarios, headline),
    run,
  };
}

export function runFacts(connections: number, seconds: number, quick: boolean): BenchResults['run'] {
  return { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', connections, seconds, quick };
}

function scenarioResults(pass: WorkerPass, scenarioList: readonly Scenario[]): ScenarioResult[] {
  return pass.scenarios.map((measured) => {
    const scenario = scenarioList.find((s) => s.name === measured.name)!;
    const r = measured.result;
    const ceiling = pass.ceilings[scenario.ceiling];
    return {
      name: measured.name,
      rps: r?.rps ?? 0,
      p50_ms: r?.p50_ms ?? 0,
      p99_ms: r?.p99_ms ?? 0,
      errors: r?.errors ?? 0,
      non2xx: r?.non2xx ?? 0,
      ceiling: scenario.ceiling,
      ratio: r && ceiling ? round(r.rps / ceiling, 3) : 0,
      ...(r && scenario.comparableToPeer && pass.peer?.rps && { peer_ratio: round(r.rps / pass.peer.rps, 2) }),
      ...(measured.probe_p99_ms !== undefined && { probe_p99_ms: measured.probe_p99_ms }),
      ...(measured.skipped && { skipped: measured.skipped }),
    };
  });
}

function peers(pass: WorkerPass): BenchResults['peers'] {
  if (!pass.peer) return {};
  const { rps, p99_ms, errors, non2xx } = pass.peer;
  return { [PEER_NAME]: { rps, p99_ms, errors, non2xx } };
}

/** The issue-9 targets; a scenario that was not run (or skipped) yields no row. */
function targets(scenarios: readonly ScenarioResult[], pass: WorkerPass): Target[] {
  const ran = scenarios.filter((s) => !s.skipped);
  const byName = (name: string) => ran.find((s) => s.name === name);
  const rows: Target[] = [];
  const add = (target: string, value: number | undefined, goal: string, met: (v: number) => boolean) => {
    if (value !== undefined) rows.push({ target, value, goal, met: met(value) });
  };
  add('oidc-es256>oidc-es256 ratio to http_echo_rps', byName('oidc-es256>oidc-es256')?.ratio, '>= 0.6', (v) => v >= 0.6);
  add('oidc-es256>oidc-es256 p99 ms', byName('oidc-es256>oidc-es256')?.p99_ms, '<= 15', (v) => v <= 15);
  add('username>oidc-rs256 ratio to password_hash_per_s', byName('username>oidc-rs256')?.ratio, '>= 0.85', (v) => v >= 0.85);
  add('p99 ms of a light load during username>oidc-rs256', byName('username>oidc-rs256')?.probe_p99_ms, `<= ${PROBE_P99_LIMIT_MS}`, (v) => v <= PROBE_P99_LIMIT_MS);
  add('username>saml2-signed ratio to password_hash_per_s', byName('username>saml2-signed')?.ratio, '>= 0.5', (v) => v >= 0.5);
  const saml = byName('saml2>oidc-es256');
  add(`saml2>oidc-es256 ratio to ${saml?.ceiling}`, saml?.ratio, '>= 0.5', (v) => v >= 0.5);
  for (const s of ran.filter((s) => s.peer_ratio !== undefined)) add(`${s.name} rps / peer rps`, s.peer_ratio, '>= 3', (v) => v >= 3);
  add('errors + non-2xx, all scenarios', ran.reduce((sum, s) => sum + s.errors + s.non2xx, 0), '= 0', (v) => v === 0);
  if (pass.peer) add('peer errors + non-2xx', pass.peer.errors + pass.peer.non2xx, '= 0', (v) => v === 0);
  return rows;
}
