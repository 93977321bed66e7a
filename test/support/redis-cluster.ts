/**
 * Runs a throw-away Redis Cluster for the tests on free loopback ports, joined by
 * `redis-cli --cluster create`: three primaries (no persistence) by default, or with
 * `replicasPerPrimary` a replica for each primary (append-only file on, as the docs recommend,
 * `cluster-replica-validity-factor 0` so a replica always may take over, and
 * `repl-diskless-sync-delay 0` so a restarted node is a replica again at once). killPrimary() ends a
 * primary with SIGKILL (a crash) and restart() starts it again with its cluster state file, so it
 * rejoins as the new primary's replica. The default user is off: clients log in as the ACL user
 * TEST_CLUSTER_USER. Its temporary directory holds the nodes' files and is removed by stop(),
 * which also runs after a failed start.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answersOnPort, freePort, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';
const START_TIMEOUT_MS = 15_000;
const run = promisify(execFile);

/** The cluster's only user (the default user is off). */
export const TEST_CLUSTER_USER = { name: 'sts', password: 'test-cluster-password' };
const AUTH = ['--user', TEST_CLUSTER_USER.name, '--pass', TEST_CLUSTER_USER.password, '--no-auth-warning'];
const ACL = ['--user', 'default', 'off', '--user', TEST_CLUSTER_USER.name, 'on', `>${TEST_CLUSTER_USER.password}`, '~*', '&*', '+@all', '--masteruser', TEST_CLUSTER_USER.name, '--masterauth', TEST_CLUSTER_USER.password];

export interface RedisTestClusterOptions {
  readonly primaries?: number;
  readonly replicasPerPrimary?: number;
  /** `cluster-node-timeout`: how long a silent node goes before the others call it failed. */
  readonly nodeTimeoutMs?: number;
}

export interface ClusterNode {
  readonly port: number;
  readonly role: 'primary' | 'replica';
  readonly id: string;
  /** A replica's primary (node id). */
  readonly primaryId?: string;
  readonly failed: boolean;
}

export interface RedisTestCluster {
  /** Every node's port, primaries first as created (seed list). */
  readonly ports: readonly number[];
  /** The nodes as the node on `askPort` (default: the first running one) sees them. */
  nodes(askPort?: number): Promise<ClusterNode[]>;
  /** Resolves once every primary has a replica whose link is up and caught up (same offset). */
  untilReplicasInSync(): Promise<void>;
  /** SIGKILL of the primary on `port`. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again with its data and cluster state. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export async function startRedisCluster(options: RedisTestClusterOptions = {}): Promise<RedisTestCluster> {
  const { primaries = 3, replicasPerPrimary = 0, nodeTimeoutMs = 2000 } = options;
  const dir = await mkdtemp(join(tmpdir(), 'sts-redis-cluster-'));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.values()].map((child) => terminateServerProcess(child, 'redis-server (cluster)')));
    await rm(dir, { recursive: true, force: true });
  };
  const persistence = (port: number) =>
    replicasPerPrimary > 0
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--appendfilename', `aof-${port}`, '--appenddirname', `aof-${port}`, '--dbfilename', `dump-${port}.rdb`, '--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0']
      : ['--appendonly', 'no'];
  const busPorts = new Map<number, number>();
  const launch = async (port: number) => {
    const args = ['--port', String(port), '--cluster-port', String(busPorts.get(port)), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(nodeTimeoutMs), '--save', '', ...persistence(port), '--dir', dir, '--loglevel', 'warning', ...ACL];
    // The default user is off: an auth error shows the server is up.
    children.set(port, await launchServerProcess(`redis-server (cluster) on port ${port}`, REDIS_SERVER, args, { cwd: dir, running, timeoutMs: START_TIMEOUT_MS, ready: () => answersOnPort(port, { send: 'PING\r\n', reply: '-' }) }));
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < primaries * (1 + replicasPerPrimary); i++) {
      const port = await freePort();
      busPorts.set(port, await freePort());
      await launch(port);
      ports.push(port);
    }
    await run(REDIS_CLI, [...AUTH, '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicasPerPrimary), '--cluster-yes'], { timeout: START_TIMEOUT_MS });
    await untilClusterOk(ports);
    const alive = () => ports.filter((port) => children.has(port));
    const nodes = (askPort = alive()[0]) => clusterNodes(askPort);
    const cluster: RedisTestCluster = {
      ports,
      nodes,
      untilReplicasInSync: () => until('every primary has a replica in sync', START_TIMEOUT_MS, async () => {
        const all = await nodes();
        const live = all.filter((node) => !node.failed);
        for (const primary of live.filter((node) => node.role === 'primary')) {
          const offset = await replicationOffset(primary.port);
          const replicas = live.filter((node) => node.primaryId === primary.id);
          const offsets = await Promise.all(replicas.map((replica) => replicaOffset(replica.port)));
          if (!offsets.some((o) => o !== undefined && o === offset)) return false;
        }
        return live.length === all.length;
      }),
      kill: async (port) => {
        const child = children.get(port)!;
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGKILL');
        await exited;
        children.delete(port);
      },
      restart: (port) => launch(port),
      stop,
    };
    if (replicasPerPrimary > 0) await cluster.untilReplicasInSync();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Kills every cluster node this test file started and did not stop; for afterAll. */
export function stopAllRedisClusters(): void {
  killServerProcesses(running);
}

/** Runs one redis-cli command as the test user against a node. */
export async function clusterCli(port: number, ...command: string[]): Promise<string> {
  const { stdout } = await run(REDIS_CLI, [...AUTH, '-p', String(port), ...command], { timeout: 5000 });
  return stdout;
}

/** Parses CLUSTER NODES: `<id> <ip:port@bus> <flags> <primary id or -> ...`. */
async function clusterNodes(port: number): Promise<ClusterNode[]> {
  return (await clusterCli(port, 'cluster', 'nodes'))
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, primaryId] = line.split(' ');
      const flagList = flags.split(',');
      return {
        id,
        port: Number(address.split('@')[0].split(':').at(-1)),
        role: flagList.includes('master') ? 'primary' : 'replica',
        ...(primaryId !== '-' && { primaryId }),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
      } as ClusterNode;
    });
}

async function replicationOffset(port: number): Promise<number | undefined> {
  const match = /master_repl_offset:(\d+)/.exec(await clusterCli(port, 'info', 'replication'));
  return match ? Number(match[1]) : undefined;
}

/** A replica's processed offset, or undefined while its link to the primary is down. */
async function replicaOffset(port: number): Promise<number | undefined> {
  const info = await clusterCli(port, 'info', 'replication');
  if (!/master_link_status:up/.test(info)) return undefined;
  const match = /slave_repl_offset:(\d+)/.exec(info);
  return match ? Number(match[1]) : undefined;
}

async function untilClusterOk(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    await until(`node ${port} reports cluster_state:ok`, START_TIMEOUT_MS, async () => (await clusterCli(port, 'cluster', 'info')).includes('cluster_state:ok'));
  }
}

/** Polls `check` every 100 ms until it is true; fails with `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`the test cluster: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
