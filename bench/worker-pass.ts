/**
 * Everything measured at one worker count, in one run on one machine: the ceilings (echo app,
 * echo app doing the raw crypto, raw node:crypto), every scenario against the STS (with the
 * workers' memory at the end), and the peer's two grants loaded the same way.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { BenchConfig } from './bench-config';
import { cryptoRate } from './ceilings/crypto-rate';
import { freePort } from './free-port';
import { IDP_AUDIENCE, IDP_ISSUER } from './id-tokens';
import { BodyPool, runLoad, type LoadResult } from './load';
import type { RunSettings, ScenarioInputs } from './scenario-run';
import { checkRequest, runScenario, translateUrl } from './scenario-run';
import { idTokenBody, type CeilingName, type Scenario } from './scenarios';
import { startServed, type ServedProcess } from './served-process';
import { checkPeerResponse, clientCredentialsBody, PEER_TOKEN_PATH, peerHeaders, startPeer, tokenExchangeBody } from './peer/peer-request';

export const REPO = resolve(__dirname, '../..');
export const PEER_NAME = 'oidc-provider client_credentials es256';
export const EXCHANGE_PEER_NAME = 'oidc-provider token-exchange es256';
export type PeerName = typeof PEER_NAME | typeof EXCHANGE_PEER_NAME;
/** Tokens in the pool the crypto echo cycles through (it keeps nothing, so a token coming round again costs the same). */
const CRYPTO_ECHO_POOL = 20_000;
/** Fresh tokens per scenario: this many times what the crypto echo managed (nothing verifies and signs faster), plus a margin. */
const FRESH_TOKEN_HEADROOM = 1.25;
/** The light load that watches latency while a password-hash scenario saturates the server. */
const PROBE = { connections: 2, rate: 50 };

export interface ScenarioMeasurement {
  readonly name: string;
  readonly result?: LoadResult;
  readonly skipped?: string;
  /** Requests that carried a token already sent (the pool of fresh tokens ran out). */
  readonly inputs_reused?: number;
  /** p99 of a light oidc-es256>oidc-es256 load running at the same time (password-hash scenarios, the busy plugin). */
  readonly probe_p99_ms?: number;
  /** The same light load's p99 on its own, just before (the busy plugin). */
  readonly probe_alone_p99_ms?: number;
}

export interface WorkerPass {
  readonly workers: number;
  readonly ceilings: Record<CeilingName, number>;
  readonly scenarios: ScenarioMeasurement[];
  readonly peers: Partial<Record<PeerName, LoadResult & { inputs_reused?: number }>>;
  readonly rssMiB: number[];
}

/** The built server (dist/main.js) on the bench configuration, as every bench script starts it. */
export async function startSts(config: BenchConfig, workers: number): Promise<ServedProcess> {
  return startServed(
    join(REPO, 'dist', 'main.js'),
    { ...config.env, STS_WORKERS: String(workers), STS_CONFIG_DIR: config.configDir, STS_DATA_DIR: config.dataDir, STS_PLUGINS_DIR: config.pluginsDir },
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
  const echoes = await measureEchoes(env, config, settings);
  const ceilings: Record<CeilingName, number> = {
    ...echoes,
    // A tight loop of one operation varies little: a shorter run is enough.
    rs256_sign_per_s: await cryptoRate('rs256', workers, Math.min(settings.seconds, 2)),
    es256_sign_per_s: await cryptoRate('es256', workers, Math.min(settings.seconds, 2)),
    password_hash_per_s: await cryptoRate('password_hash', workers, Math.max(settings.seconds, 3)),
  };
  const freshTokens = Math.ceil(FRESH_TOKEN_HEADROOM * ceilings.crypto_echo_rps * (settings.warmupSeconds + settings.seconds)) + 1000;
  const inputs: ScenarioInputs = { freshIdTokens: () => config.idTokens.mintMany(freshTokens), verifiedTokenCache: config.verifiedTokenCache, hsm: config.hsm };

  const sts = await startSts(config, workers);
  const scenarios: ScenarioMeasurement[] = [];
  let rssMiB: number[] = [];
  try {
    for (const scenario of chosen) {
      log(`[${workers} worker(s)] ${scenario.name}`);
      // While the password hash or a busy plugin saturates the server, a light load shows whether the event loop still answers.
      const probeLoad = (seconds: number) => runLoad({ url: translateUrl(sts.baseUrl, probe!.instance), body: probe!.body }, { ...PROBE, warmupSeconds: 0, seconds });
      const watched = probe && (scenario.ceiling === 'password_hash_per_s' || scenario.watchedByProbe);
      const alone = watched && scenario.watchedByProbe ? await probeLoad(settings.seconds) : undefined;
      const watch = watched ? probeLoad(settings.warmupSeconds + settings.seconds) : undefined;
      const outcome = await runScenario(sts.baseUrl, scenario, settings, inputs);
      const during = await watch;
      scenarios.push({ name: scenario.name, ...outcome, ...(during && { probe_p99_ms: during.p99_ms }), ...(alone && { probe_alone_p99_ms: alone.p99_ms }) });
    }
  } finally {
    rssMiB = sts.workerRssMiB();
    await sts.stop();
  }

  const peers = withPeer ? await measurePeers(workers, config, settings, () => config.idTokens.mintMany(freshTokens), log) : {};
  return { workers, ceilings, scenarios, peers, rssMiB };
}

/** The echo app's two routes, loaded like the scenarios; the crypto echo gets the same ID tokens as `oidc-es256>oidc-es256`. */
async function measureEchoes(env: Record<string, string>, config: BenchConfig, settings: RunSettings): Promise<Pick<WorkerPass['ceilings'], 'http_echo_rps' | 'crypto_echo_rps'>> {
  const echo = await startServed(join(__dirname, 'echo', 'echo-app.js'), { ...env, ECHO_IDP_JWKS: config.idpJwks }, await freePort(), '/ready');
  try {
    const http = await runLoad({ url: `${echo.baseUrl}/echo`, body: idTokenBody(config.idToken) }, settings);
    const cryptoTarget = { url: `${echo.baseUrl}/crypto-echo` };
    await checkRequest(cryptoTarget, idTokenBody(config.idToken));
    const tokens = new BodyPool((await config.idTokens.mintMany(CRYPTO_ECHO_POOL)).map(idTokenBody), true);
    const crypto = await runLoad({ ...cryptoTarget, bodies: tokens }, settings);
    for (const [name, load] of [['http echo', http], ['crypto echo', crypto]] as const) {
      if (load.errors + load.non2xx > 0) throw new Error(`the ${name} answered ${load.errors} errors and ${load.non2xx} non-2xx`);
    }
    return { http_echo_rps: http.rps, crypto_echo_rps: crypto.rps };
  } finally {
    await echo.stop();
  }
}

/** One peer process, its two grants loaded one after the other; each request of the exchange sends a fresh subject token. */
async function measurePeers(
  workers: number,
  config: BenchConfig,
  settings: RunSettings,
  freshIdTokens: () => Promise<string[]>,
  log: (line: string) => void,
): Promise<WorkerPass['peers']> {
  const clientSecret = randomBytes(24).toString('base64url');
  const port = await freePort();
  const running = await startPeer({ port, workers, clientSecret, subject: { jwks: config.idpJwks, issuer: IDP_ISSUER, audience: IDP_AUDIENCE } });
  try {
    const url = `http://127.0.0.1:${port}${PEER_TOKEN_PATH}`;
    const headers = peerHeaders(clientSecret);
    const checked = async (body: string): Promise<void> => {
      const answer = await fetch(url, { method: 'POST', headers, body });
      checkPeerResponse(await answer.text());
    };
    log(`[${workers} worker(s)] peer: ${PEER_NAME}`);
    await checked(clientCredentialsBody());
    const clientCredentials = await runLoad({ url, headers, body: clientCredentialsBody() }, settings);

    log(`[${workers} worker(s)] peer: ${EXCHANGE_PEER_NAME}`);
    await checked(tokenExchangeBody(config.idToken));
    const pool = new BodyPool((await freshIdTokens()).map(tokenExchangeBody), true);
    const exchange = await runLoad({ url, headers, bodies: pool }, settings);
    return {
      [PEER_NAME]: clientCredentials,
      [EXCHANGE_PEER_NAME]: { ...exchange, ...(pool.reused > 0 && { inputs_reused: pool.reused }) },
    };
  } finally {
    await running.stop();
  }
}
