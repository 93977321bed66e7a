/**
 * bench/results.json: the headline worker count at the top level, the other worker counts under
 * `scaling`, and the targets, each judged from numbers of this run.
 */
import { cpus } from 'node:os';
import { round } from './load';
import { BUSY_SCENARIO, IN_PROCESS_SCENARIO, REPEATED_SCENARIO, type Scenario } from './scenarios';
import { EXCHANGE_PEER_NAME, PEER_NAME, type WorkerPass } from './worker-pass';

export interface ScenarioResult {
  name: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  ceiling: string;
  ratio: number;
  /** rps / the client_credentials peer's rps. */
  peer_ratio?: number;
  /** rps / the token-exchange peer's rps (scenarios that verify an input JWT and sign a token). */
  exchange_peer_ratio?: number;
  probe_p99_ms?: number;
  /** The light load's p99 on its own, just before the scenario (the busy plugin). */
  probe_alone_p99_ms?: number;
  /** Requests that carried an input token already sent: the pool of fresh tokens ran out (should not happen). */
  inputs_reused?: number;
  skipped?: string;
}

export interface Target {
  target: string;
  value: number;
  goal: string;
  met: boolean;
  /** Which scenario or worker the value comes from, when it is the worst of several. */
  detail?: string;
}

export interface PeerResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  inputs_reused?: number;
}

export interface BenchResults {
  ceilings: WorkerPass['ceilings'];
  scenarios: ScenarioResult[];
  peers: Record<string, PeerResult>;
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
    targets: targets(scenarios, headline, passes),
    run,
  };
}

export function runFacts(connections: number, seconds: number, quick: boolean): BenchResults['run'] {
  return { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', connections, seconds, quick };
}

function scenarioResults(pass: WorkerPass, scenarioList: readonly Scenario[]): ScenarioResult[] {
  const peerRps = pass.peers[PEER_NAME]?.rps;
  const exchangeRps = pass.peers[EXCHANGE_PEER_NAME]?.rps;
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
      ...(r && scenario.comparableToPeer && peerRps && { peer_ratio: round(r.rps / peerRps, 2) }),
      ...(r && scenario.comparableToExchangePeer && exchangeRps && { exchange_peer_ratio: round(r.rps / exchangeRps, 2) }),
      ...(measured.probe_p99_ms !== undefined && { probe_p99_ms: measured.probe_p99_ms }),
      ...(measured.probe_alone_p99_ms !== undefined && { probe_alone_p99_ms: measured.probe_alone_p99_ms }),
      ...(measured.inputs_reused !== undefined && { inputs_reused: measured.inputs_reused }),
      ...(measured.skipped && { skipped: measured.skipped }),
    };
  });
}

function peers(pass: WorkerPass): BenchResults['peers'] {
  return Object.fromEntries(
    Object.entries(pass.peers).map(([name, { rps, p50_ms, p99_ms, errors, non2xx, inputs_reused }]) => [
      name,
      { rps, p50_ms, p99_ms, errors, non2xx, ...(inputs_reused !== undefined && { inputs_reused }) },
    ]),
  );
}

/** Highest p99 / p50 allowed in any scenario at full load. */
export const P99_OVER_P50_LIMIT = 3;
/** Highest RSS of any STS worker at the end of a pass. */
export const RSS_LIMIT_MIB = 160;

/**
 * The performance targets, each from numbers of this run; a target whose scenario, ceiling or
 * peer was not measured (or was skipped) yields no row.
 */
function targets(scenarios: readonly ScenarioResult[], headline: WorkerPass, passes: readonly WorkerPass[]): Target[] {
  const ran = scenarios.filter((s) => !s.skipped);
  const byName = (name: string) => ran.find((s) => s.name === name);
  const rows: Target[] = [];
  const add = (target: string, value: number | undefined, goal: string, met: (v: number) => boolean, detail?: string) => {
    if (value !== undefined && Number.isFinite(value)) rows.push({ target, value, goal, met: met(value), ...(detail && { detail }) });
  };
  const ratio = (name: string, ceiling: keyof WorkerPass['ceilings']) => {
    const rps = byName(name)?.rps;
    return rps !== undefined && headline.ceilings[ceiling] ? round(rps / headline.ceilings[ceiling], 3) : undefined;
  };
  const peerRatio = (name: string, peer: string) => {
    const rps = byName(name)?.rps;
    const peerRps = headline.peers[peer as keyof WorkerPass['peers']]?.rps;
    return rps !== undefined && peerRps ? round(rps / peerRps, 2) : undefined;
  };

  // The request path's own cost: the plugin in the server's thread, so no thread hop is counted.
  add(`${IN_PROCESS_SCENARIO} ratio to http_echo_rps`, ratio(IN_PROCESS_SCENARIO, 'http_echo_rps'), '>= 0.9', (v) => v >= 0.9);
  const busy = byName(BUSY_SCENARIO);
  const slowdown = busy?.probe_p99_ms !== undefined && busy.probe_alone_p99_ms ? round(busy.probe_p99_ms / busy.probe_alone_p99_ms, 2) : undefined;
  add(`p99 of a light load on another instance during ${BUSY_SCENARIO} / without it`, slowdown, '<= 2', (v) => v <= 2);
  const isolated = byName('custom>custom')?.rps;
  const inProcess = byName(IN_PROCESS_SCENARIO)?.rps;
  add(`custom>custom (worker threads) rps / ${IN_PROCESS_SCENARIO} rps`, isolated !== undefined && inProcess ? round(isolated / inProcess, 3) : undefined, '>= 0.7', (v) => v >= 0.7);
  add('oidc-es256>oidc-es256 ratio to crypto_echo_rps', ratio('oidc-es256>oidc-es256', 'crypto_echo_rps'), '>= 0.75', (v) => v >= 0.75);
  add(`oidc-es256>jwt-es256 rps / ${EXCHANGE_PEER_NAME} rps`, peerRatio('oidc-es256>jwt-es256', EXCHANGE_PEER_NAME), '>= 1.5', (v) => v >= 1.5);
  add(`oidc-es256>jwt-es256 rps / ${PEER_NAME} rps`, peerRatio('oidc-es256>jwt-es256', PEER_NAME), '>= 1', (v) => v >= 1);
  add('saml2>oidc-es256 ratio to http_echo_rps', ratio('saml2>oidc-es256', 'http_echo_rps'), '>= 0.1', (v) => v >= 0.1);
  const signed = byName('oidc-es256>jwt-es256')?.rps;
  const encrypted = byName('oidc-es256>jwt-jwe')?.rps;
  add('oidc-es256>jwt-jwe rps / oidc-es256>jwt-es256 rps', signed && encrypted !== undefined ? round(encrypted / signed, 3) : undefined, '>= 0.6', (v) => v >= 0.6);
  const spread = ran.filter((s) => s.p50_ms > 0).map((s) => ({ name: s.name, value: round(s.p99_ms / s.p50_ms, 2) }));
  const widest = spread.reduce<(typeof spread)[number] | undefined>((worst, s) => (!worst || s.value > worst.value ? s : worst), undefined);
  add('p99 / p50, worst scenario', widest?.value, `<= ${P99_OVER_P50_LIMIT}`, (v) => v <= P99_OVER_P50_LIMIT, widest?.name);
  const rss = passes.flatMap((pass) => pass.rssMiB.map((mib) => ({ mib, where: `${pass.workers} worker(s)` })));
  const largest = rss.reduce<(typeof rss)[number] | undefined>((top, r) => (!top || r.mib > top.mib ? r : top), undefined);
  add('RSS MiB per STS worker at the end, largest', largest?.mib, `<= ${RSS_LIMIT_MIB}`, (v) => v <= RSS_LIMIT_MIB, largest?.where);
  add(`${REPEATED_SCENARIO} rps / ${PEER_NAME} rps`, peerRatio(REPEATED_SCENARIO, PEER_NAME), '>= 2', (v) => v >= 2);

  // Still standing from before: password scenarios near their hash ceiling, the event loop answering meanwhile, no errors.
  add('username>oidc-rs256 ratio to password_hash_per_s', byName('username>oidc-rs256')?.ratio, '>= 0.85', (v) => v >= 0.85);
  add('p99 ms of a light load during username>oidc-rs256', byName('username>oidc-rs256')?.probe_p99_ms, `<= ${PROBE_P99_LIMIT_MS}`, (v) => v <= PROBE_P99_LIMIT_MS);
  add('username>saml2-signed ratio to password_hash_per_s', byName('username>saml2-signed')?.ratio, '>= 0.5', (v) => v >= 0.5);
  add('errors + non-2xx, all scenarios', ran.reduce((sum, s) => sum + s.errors + s.non2xx, 0), '= 0', (v) => v === 0);
  const peerResults = Object.values(headline.peers);
  if (peerResults.length > 0) add('peer errors + non-2xx', peerResults.reduce((sum, p) => sum + p.errors + p.non2xx, 0), '= 0', (v) => v === 0);
  return rows;
}
