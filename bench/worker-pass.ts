/**
 * Everything measured at one worker count, in one run on one machine: the ceilings (echo app and
 * raw node:crypto), every scenario against the STS (with the workers' memory at the end), and the
 * peer loaded the same way.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { BenchConfig } from './bench-config';
import { cryptoRate } from './ceilings/crypto-rate';
import { freePort } from './free-port';
import { runLoad, type LoadResult } from './load';
import type { RunSettings } from './scenario-run';
import { runScenario, translateUrl } from './scenario-run';
import type { CeilingName, Scenario } from './scenarios';
import { startServed, type ServedProcess } from './served-process';
import { checkPeerResponse, peerRequest, startPeer } from './peer/peer-request';

export const REPO = resolve(__dirname, '../..');
export const PEER_NAME = 'oidc-provider client_credentials es256';
/** The light load that watches latency while a password-hash scenario saturates the server. */
const PROBE = { connections: 2, rate: 50 };

export interface ScenarioMeasurement {
  readonly name: string;
  readonly result?: LoadResult;
  readonly skipped?: string;
  /** p99 of a light oidc-es256>oidc-es256 load running at the same time (password-hash scenarios). */
  readonly probe_p99_ms?: number;
}

export interface WorkerPass {
  readonly workers: number;
  readonly ceilings: Record<CeilingName, number>;
  readonly scenarios: ScenarioMeasurement[];
  readonly peer?: LoadResult;
  readonly rssMiB: number[];
}

/** The built server (dist/main.js) on the bench configuration, as every bench script starts it. */
export async function startSts(config: BenchConfig, workers: number): Promise<ServedProcess> {
  return startServed(
    join(REPO, 'dist', 'main.js'),
    { STS_WORKERS: String(workers), STS_CONFIG_DIR: config.configDir, STS_DATA_DIR: config.dataDir, STS_PLUGINS_DIR: config.pluginsDir },
    await freePort(),
    '/health/ready',
  );
}

export async function measureWorkerPass(
  workers: number,
  config: BenchConfig,
  chosen: readonly Scenario[],
  settings: RunSettings,
  withPeer: boolean,
  log: (line: string) => void,
): Promise<WorkerPass> {
  const env = { STS_WORKERS: String(workers) };
  const probe = chosen.find((s) => s.name === 'oidc-es256>oidc-es256');

  log(`[${workers} worker(s)] ceilings`);
  const echo = await startServed(join(__dirname, 'echo', 'echo-app.js'), env, await freePort(), '/ready');
  const echoLoad = await runLoad({ url: `${echo.baseUrl}/echo`, body: probe?.body ?? '{}' }, settings).finally(() => echo.stop());
  const ceilings: Record<CeilingName, number> = {
    http_echo_rps: echoLoad.rps,
    rs256_sign_per_s: await cryptoRate('rs256', workers, settings.seconds),
    es256_sign_per_s: await cryptoRate('es256', workers, settings.seconds),
    password_hash_per_s: await cryptoRate('password_hash', workers, Math.max(settings.seconds, 3)),
  };

  const sts = await startSts(config, workers);
  const scenarios: ScenarioMeasurement[] = [];
  let rssMiB: number[] = [];
  try {
    for (const scenario of chosen) {
      log(`[${workers} worker(s)] ${scenario.name}`);
      // While the password hash saturates the server, a light load shows whether the event loop still answers.
      const watch =
        scenario.ceiling === 'password_hash_per_s' && probe
          ? runLoad(
              { url: translateUrl(sts.baseUrl, probe.instance), body: probe.body },
              { ...PROBE, warmupSeconds: 0, seconds: settings.warmupSeconds + settings.seconds },
            )
          : undefined;
      const outcome = await runScenario(sts.baseUrl, scenario, settings);
      const watched = await watch;
      scenarios.push({ name: scenario.name, ...outcome, ...(watched && { probe_p99_ms: watched.p99_ms }) });
    }
  } finally {
    rssMiB = sts.workerRssMiB();
    await sts.stop();
  }

  let peer: LoadResult | undefined;
  if (withPeer) {
    log(`[${workers} worker(s)] peer: ${PEER_NAME}`);
    const clientSecret = randomBytes(24).toString('base64url');
    const port = await freePort();
    const running = await startPeer({ port, workers, clientSecret });
    try {
      const request = peerRequest(clientSecret);
      const url = `http://127.0.0.1:${port}${request.path}`;
      const answer = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
      checkPeerResponse(await answer.text());
      const target = { url, headers: request.headers, body: request.body };
      peer = await runLoad(target, settings);
    } finally {
      await running.stop();
    }
  }
  return { workers, ceilings, scenarios, peer, rssMiB };
}
