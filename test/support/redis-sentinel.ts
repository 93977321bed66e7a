/**
 * Runs a throw-away Sentinel set for the tests: a primary and a replica (append-only file on, as
 * the docs recommend) and three sentinels watching them as `sts`, all on free loopback ports.
 * killPrimary() ends the current primary with SIGKILL (a crash) so the sentinels promote the
 * replica. stop() removes the temporary directory too, also after a failed start. The data nodes'
 * default user is off (clients log in as TEST_SENTINEL_USERS.data), and the sentinels require
 * their own password (TEST_SENTINEL_USERS.sentinelPassword).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answersOnPort, freePort, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';
const START_TIMEOUT_MS = 10_000;
const run = promisify(execFile);

export const SENTINEL_PRIMARY_NAME = 'sts';
/** How long the sentinels wait before they call a silent primary down. */
export const DOWN_AFTER_MS = 1000;

export const TEST_SENTINEL_USERS = { data: { name: 'sts', password: 'test-data-password' }, sentinelPassword: 'test-sentinel-password' };
const { data: USER, sentinelPassword: SENTINEL_PASSWORD } = TEST_SENTINEL_USERS;
const ACL = ['--user', 'default', 'off', '--user', USER.name, 'on', `>${USER.password}`, '~*', '&*', '+@all', '--masteruser', USER.name, '--masterauth', USER.password];

export interface RedisTestSentinelSet {
  readonly sentinelPorts: readonly number[];
  /** The port of the primary the sentinels currently name. */
  primaryPort(): Promise<number>;
  /** SIGKILL of the current primary's process; resolves with its port. */
  killPrimary(): Promise<number>;
  /** Starts a killed data node again with its data, as a replica of `primaryPort` (as a supervisor that asks the sentinels would). */
  restart(port: number, primaryPort: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export async function startRedisSentinelSet(): Promise<RedisTestSentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'sts-redis-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.values()].map((child) => terminateServerProcess(child, 'redis (sentinel set)')));
    await rm(dir, { recursive: true, force: true });
  };
  // Every process requires a login: an auth error shows it is up.
  const launch = async (name: string, port: number, args: string[], reply = '-') => {
    children.set(port, await launchServerProcess(`${name} on port ${port}`, REDIS_SERVER, args, { cwd: dir, running, timeoutMs: START_TIMEOUT_MS, ready: () => answersOnPort(port, { send: 'PING\r\n', reply }) }));
  };
  try {
    const [primary, replica] = [await freePort(), await freePort()];
    const data = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--appendonly', 'yes', '--appendfilename', `aof-${port}`, '--appenddirname', `aof-${port}`, '--appendfsync', 'everysec', '--save', '', '--loglevel', 'warning', ...ACL];
    await launch('redis-server (primary)', primary, data(primary));
    await launch('redis-server (replica)', replica, [...data(replica), '--replicaof', '127.0.0.1', String(primary)]);
    await untilReplicaInSync(primary);
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        conf,
        [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${SENTINEL_PRIMARY_NAME} 127.0.0.1 ${primary} 2`, `sentinel down-after-milliseconds ${SENTINEL_PRIMARY_NAME} ${DOWN_AFTER_MS}`, `sentinel failover-timeout ${SENTINEL_PRIMARY_NAME} 5000`, `sentinel auth-user ${SENTINEL_PRIMARY_NAME} ${USER.name}`, `sentinel auth-pass ${SENTINEL_PRIMARY_NAME} ${USER.password}`, `requirepass ${SENTINEL_PASSWORD}`, `sentinel sentinel-pass ${SENTINEL_PASSWORD}`, 'loglevel warning', ''].join('\n'),
      );
      await launch('redis-sentinel', port, [conf, '--sentinel']);
      sentinelPorts.push(port);
    }
    const primaryPort = async () => {
      const { stdout } = await run(REDIS_CLI, ['-a', SENTINEL_PASSWORD, '--no-auth-warning', '-p', String(sentinelPorts[0]), 'sentinel', 'get-master-addr-by-name', SENTINEL_PRIMARY_NAME]);
      return Number(stdout.trim().split('\n')[1]);
    };
    return {
      sentinelPorts,
      primaryPort,
      killPrimary: async () => {
        const port = await primaryPort();
        const child = children.get(port)!;
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGKILL');
        await exited;
        children.delete(port);
        return port;
      },
      restart: (port, primaryPort) => launch('redis-server (restarted)', port, [...data(port), '--replicaof', '127.0.0.1', String(primaryPort)]),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Kills every process of a Sentinel set this test file started and did not stop; for afterAll. */
export function stopAllRedisSentinelSets(): void {
  killServerProcesses(running);
}

async function untilReplicaInSync(primary: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const { stdout } = await run(REDIS_CLI, ['--user', USER.name, '--pass', USER.password, '--no-auth-warning', '-p', String(primary), 'info', 'replication']);
    if (/slave0:.*state=online/.test(stdout)) return;
    if (Date.now() > deadline) throw new Error(`the test replica did not come online:\n${stdout}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
