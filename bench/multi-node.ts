/**
 * The multi-node scenario: two STS processes (one worker each, one data directory, so the same
 * keys) on one three-primary Redis Cluster, persisted OIDC -> OIDC with a fresh ID token per
 * request. Measured against one node, then against both with the connections dealt out in turn
 * (round robin per connection, as a layer-4 balancer does). Afterwards every token issued during
 * the two-node load is validated and cancelled on the other node and validated again on its own:
 * any answer that is not "valid", "cancelled", "no longer valid" is a mismatch.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startRedisCluster, TEST_CLUSTER_USER } from '../test/support/redis-cluster';
import type { BenchConfig } from './bench-config';
import { freePort } from './free-port';
import { MULTI_NODE_SCENARIO } from './options';
import { BodyPool, runLoad, type LoadResult } from './load';
import type { RunSettings } from './scenario-run';
import { checkRequest, translateUrl } from './scenario-run';
import { idTokenBody } from './scenarios';
import { startServed, type ServedProcess } from './served-process';
import { REPO } from './worker-pass';

const INSTANCE = 'oidc-persist';
/** Requests in flight while the issued tokens are checked across the nodes. */
const CHECK_LANES = 16;

export interface MultiNodeResult {
  readonly one_node: LoadResult;
  /** Both nodes together: rps summed, p50 and p99 the larger of the two nodes'. */
  readonly two_nodes: LoadResult;
  /** Tokens issued during the two-node load and checked on the other node. */
  readonly tokens_checked: number;
  /** Tokens that did not validate or cancel on the other node, or still validated afterwards on their own. */
  readonly cross_node_mismatches: number;
}

export async function measureMultiNode(config: BenchConfig, settings: RunSettings, quick: boolean, log: (line: string) => void): Promise<MultiNodeResult> {
  log(`${MULTI_NODE_SCENARIO}: a Redis Cluster and two STS processes`);
  const cluster = await startRedisCluster();
  const configDir = mkdtempSync(join(tmpdir(), 'sts-bench-multi-node-'));
  const nodes: ServedProcess[] = [];
  try {
    writeClusterConfig(config.configDir, configDir, cluster.ports);
    const env = { ...config.env, STS_WORKERS: '1', STS_CONFIG_DIR: configDir, STS_DATA_DIR: config.dataDir, STS_PLUGINS_DIR: config.pluginsDir, STS_BENCH_REDIS_PASSWORD: TEST_CLUSTER_USER.password };
    for (let i = 0; i < 2; i++) nodes.push(await startServed(join(REPO, 'dist', 'main.js'), env, await freePort(), '/health/ready'));
    const [a, b] = nodes;
    const tokens = new BodyPool((await config.idTokens.mintMany(quick ? 5000 : 40_000)).map(idTokenBody), true);
    for (const node of nodes) await checkRequest({ url: translateUrl(node.baseUrl, INSTANCE) }, idTokenBody(config.idToken));

    log(`${MULTI_NODE_SCENARIO}: one node`);
    const oneNode = await runLoad({ url: translateUrl(a.baseUrl, INSTANCE), bodies: tokens }, settings);

    log(`${MULTI_NODE_SCENARIO}: two nodes`);
    const issued: { node: ServedProcess; other: ServedProcess; token: string }[] = [];
    const half = { ...settings, connections: Math.max(1, Math.floor(settings.connections / 2)) };
    const loads = [a, b].map((node, i) =>
      runLoad({ url: translateUrl(node.baseUrl, INSTANCE), bodies: tokens }, {
        ...half,
        ...(i === 1 && { connections: settings.connections - half.connections }),
        onBody: (status, body) => status === 200 && issued.push({ node, other: i === 0 ? b : a, token: JSON.parse(body).issued_token }),
      }),
    );
    const [onA, onB] = await Promise.all(loads);

    log(`${MULTI_NODE_SCENARIO}: checking ${issued.length} tokens on the other node`);
    let mismatches = 0;
    let next = 0;
    const lane = async () => {
      while (next < issued.length) {
        const { node, other, token } = issued[next++];
        if (!(await crossNodeCheck(node, other, token))) mismatches++;
      }
    };
    await Promise.all(Array.from({ length: CHECK_LANES }, lane));
    return { one_node: oneNode, two_nodes: combined(onA, onB), tokens_checked: issued.length, cross_node_mismatches: mismatches };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await cluster.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** The bench configuration with the token store on the cluster (every node as a seed). */
function writeClusterConfig(from: string, to: string, ports: readonly number[]): void {
  cpSync(from, to, { recursive: true });
  const server = parse(readFileSync(join(from, 'server.yaml'), 'utf8')) ?? {};
  const redis = { cluster: ports.map((port) => ({ host: '127.0.0.1', port })), username: TEST_CLUSTER_USER.name, password_env: 'STS_BENCH_REDIS_PASSWORD' };
  writeFileSync(join(to, 'server.yaml'), stringify({ ...server, token_store: { type: 'redis', redis } }));
}

/** Valid on the other node, cancelled there, and then invalid on its own node. */
async function crossNodeCheck(node: ServedProcess, other: ServedProcess, token: string): Promise<boolean> {
  const state = { token_type: 'OPENIDCONNECT', oidc_id_token: token };
  const call = async (on: ServedProcess, action: string, body: object) => {
    const response = await fetch(`${on.baseUrl}/rest-sts/${INSTANCE}?_action=${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { token_valid?: boolean } };
  };
  const validOnOther = await call(other, 'validate', { validated_token_state: state });
  const cancelled = await call(other, 'cancel', { cancelled_token_state: state });
  const afterwards = await call(node, 'validate', { validated_token_state: state });
  return validOnOther.status === 200 && validOnOther.body.token_valid === true && cancelled.status === 200 && afterwards.status === 200 && afterwards.body.token_valid === false;
}

function combined(a: LoadResult, b: LoadResult): LoadResult {
  return {
    rps: a.rps + b.rps,
    p50_ms: Math.max(a.p50_ms, b.p50_ms),
    p99_ms: Math.max(a.p99_ms, b.p99_ms),
    errors: a.errors + b.errors,
    non2xx: a.non2xx + b.non2xx,
    requests: a.requests + b.requests,
  };
}

/** The lines `npm run bench` prints for the scenario. */
export function formatMultiNode(result: MultiNodeResult): string {
  const line = (what: string, load: LoadResult) => `${what}: ${load.rps} rps, p50 ${load.p50_ms} ms, p99 ${load.p99_ms} ms, ${load.errors} errors, ${load.non2xx} non-2xx`;
  return [
    `${MULTI_NODE_SCENARIO} (persisted oidc-es256>oidc-es256, Redis Cluster of 3 primaries, 1 worker per node)`,
    line('  one node ', result.one_node),
    line('  two nodes', result.two_nodes),
    `  tokens issued on one node and checked on the other: ${result.tokens_checked}, mismatches: ${result.cross_node_mismatches}`,
  ].join('\n');
}
