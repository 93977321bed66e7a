/**
 * `npm run bench:cpu -- --scenario NAME [--against other/main.js] [--echo] [--rounds 3] [--seconds 5]`:
 * the server's CPU time per request (user + system, every thread of the worker, from
 * /proc/<pid>/stat) for one scenario at one worker. A busy machine changes requests per second a
 * lot and CPU per request little, so this is how a change to the request path is judged outside a
 * quiet full run. With `--against`, other builds (copies of dist/ from before a change, kept
 * beside dist/ so they find node_modules; comma-separated) are loaded in turn with the current
 * one, round by round.
 * `--echo` adds the echo app's `/echo` route, the floor of an HTTP request on this machine.
 * `--cpu-prof DIR` writes a V8 CPU profile of each server into DIR when it stops.
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeBenchConfig, type BenchConfig } from './bench-config';
import { freePort } from './free-port';
import { BodyPool, runLoad, round, type LoadTarget } from './load';
import { flagReader, positive } from './options';
import { translateUrl } from './scenario-run';
import { idTokenBody, scenarios, type Scenario } from './scenarios';
import { rssMiB, startServed, type ServedProcess } from './served-process';
import { REPO } from './worker-pass';

const USAGE =
  "usage: npm run bench:cpu -- --scenario 'custom>custom-in-process' [--against dist-before/main.js] [--echo] [--rounds 3] [--seconds 5] [--connections 50] [--cpu-prof dir]";
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const WARMUP_SECONDS = 2;
/** A generous guess of the fastest rate, to mint enough unique ID tokens per load. */
const MAX_RPS = 15_000;

interface Server {
  readonly label: string;
  readonly served: ServedProcess;
  readonly target: () => LoadTarget;
  readonly samples: number[];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = flagReader(argv, ['--scenario', '--against', '--echo', '--rounds', '--seconds', '--connections', '--cpu-prof'], USAGE);
  const name = value('--scenario');
  if (!name) throw new Error(`--scenario is required\n${USAGE}`);
  const rounds = positive(value('--rounds') ?? '3', '--rounds', USAGE);
  const seconds = positive(value('--seconds') ?? '5', '--seconds', USAGE);
  const connections = positive(value('--connections') ?? '50', '--connections', USAGE);
  const profileDir = value('--cpu-prof');
  const against = value('--against');

  const config = await writeBenchConfig();
  const scenario = scenarios(config).find((s) => s.name === name);
  const servers: Server[] = [];
  try {
    if (!scenario) throw new Error(`unknown scenario ${name}; scenarios: ${scenarios(config).map((s) => s.name).join(', ')}`);
    if (scenario.oneTimeInput) throw new Error(`${name} spends one-time input tokens; not supported here`);
    const perLoad = MAX_RPS * (WARMUP_SECONDS + seconds);
    const bodies = async (): Promise<LoadTarget['bodies']> =>
      scenario.freshIdToken ? new BodyPool((await config.idTokens.mintMany(perLoad)).map(scenario.freshIdToken), true) : undefined;
    const sts = (label: string, script: string) => startSts(label, script, config, scenario, profileDir);
    servers.push(await sts('current', join(REPO, 'dist', 'main.js')));
    for (const other of against?.split(',') ?? []) servers.push(await sts(other, resolve(other)));
    if (argv.includes('--echo')) servers.push(await startEcho(config, profileDir));

    for (let r = 1; r <= rounds; r++) {
      for (const server of servers) {
        const target = { ...server.target(), bodies: await bodies() };
        const pid = server.served.servingPids()[0]!;
        await runLoad(target, { connections, warmupSeconds: 0, seconds: WARMUP_SECONDS });
        const before = cpuTicks(pid);
        const load = await runLoad(target, { connections, warmupSeconds: 0, seconds });
        const ticks = cpuTicks(pid) - before;
        if (load.errors + load.non2xx > 0) throw new Error(`${server.label}: ${load.errors} errors, ${load.non2xx} non-2xx`);
        const micros = round((ticks / TICKS_PER_SECOND / load.requests) * 1e6, 1);
        server.samples.push(micros);
        process.stdout.write(`round ${r} ${server.label}: ${micros} µs CPU per request (${load.requests} requests, ${load.rps} rps, RSS ${rssMiB(pid)} MiB)\n`);
      }
    }
    for (const { label, samples } of servers) {
      const sorted = [...samples].sort((a, b) => a - b);
      process.stdout.write(`${label}: median ${sorted[Math.floor(sorted.length / 2)]} µs, range ${sorted[0]}-${sorted.at(-1)} µs CPU per request\n`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.served.stop()));
    rmSync(dirname(config.configDir), { recursive: true, force: true });
  }
}

async function startSts(label: string, script: string, config: BenchConfig, scenario: Scenario, profileDir?: string): Promise<Server> {
  const env = { ...config.env, STS_WORKERS: '1', STS_CONFIG_DIR: config.configDir, STS_DATA_DIR: config.dataDir, STS_PLUGINS_DIR: config.pluginsDir };
  const served = await startServed(script, env, await freePort(), '/health/ready', profiled(profileDir));
  const url = translateUrl(served.baseUrl, scenario.instance);
  return { label, served, target: () => ({ url, headers: scenario.headers, body: scenario.body }), samples: [] };
}

async function startEcho(config: BenchConfig, profileDir?: string): Promise<Server> {
  const env = { STS_WORKERS: '1', ECHO_IDP_JWKS: config.idpJwks };
  const served = await startServed(join(__dirname, 'echo', 'echo-app.js'), env, await freePort(), '/ready', profiled(profileDir));
  return { label: 'echo', served, target: () => ({ url: `${served.baseUrl}/echo`, body: idTokenBody(config.idToken) }), samples: [] };
}

function profiled(profileDir: string | undefined): string[] {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];
}

function cpuTicks(pid: number): number {
  return cpuTicksOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** utime + stime of a process, all its threads included (fields 14 and 15 of a /proc/<pid>/stat line). */
export function cpuTicksOf(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses; the fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return ticks;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
