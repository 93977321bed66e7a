/**
 * Runs a throw-away Redis Cluster for the tests: three primaries (no replicas, no persistence) on
 * free loopback ports, joined by `redis-cli --cluster create`. The default user is off: clients log
 * in as the ACL user TEST_CLUSTER_USER. Its temporary directory holds the
 * nodes' cluster state files and is removed by stop(), which also runs after a failed start.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answersOnPort, freePort, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';
const START_TIMEOUT_MS = 10_000;
const run = promisify(execFile);

/** The cluster's only user (the default user is off). */
export const TEST_CLUSTER_USER = { name: 'sts', password: 'test-cluster-password' };
const AUTH = ['--user', TEST_CLUSTER_USER.name, '--pass', TEST_CLUSTER_USER.password, '--no-auth-warning'];
const ACL = ['--user', 'default', 'off', '--user', TEST_CLUSTER_USER.name, 'on', `>${TEST_CLUSTER_USER.password}`, '~*', '&*', '+@all', '--masteruser', TEST_CLUSTER_USER.name, '--masterauth', TEST_CLUSTER_USER.password];

export interface RedisTestCluster {
  /** The primaries' ports (seed list). */
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export async function startRedisCluster(primaries = 3): Promise<RedisTestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'sts-redis-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => terminateServerProcess(child, 'redis-server (cluster)')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < primaries; i++) {
      const port = await freePort();
      const busPort = await freePort();
      const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', ...ACL];
      // The default user is off: an auth error shows the server is up.
      children.push(await launchServerProcess(`redis-server (cluster) on port ${port}`, REDIS_SERVER, args, { cwd: dir, running, timeoutMs: START_TIMEOUT_MS, ready: () => answersOnPort(port, { send: 'PING\r\n', reply: '-' }) }));
      ports.push(port);
    }
    await run(REDIS_CLI, [...AUTH, '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: START_TIMEOUT_MS });
    await untilClusterOk(ports);
    return { ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Kills every cluster node this test file started and did not stop; for afterAll. */
export function stopAllRedisClusters(): void {
  killServerProcesses(running);
}

async function untilClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (const port of ports) {
    for (;;) {
      const { stdout } = await run(REDIS_CLI, [...AUTH, '-p', String(port), 'cluster', 'info']);
      if (stdout.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`the test cluster did not reach cluster_state:ok:\n${stdout}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}
