/**
 * Runs a throw-away redis-server (no persistence) on a free port for the token-store tests, and
 * stops, restarts (same port) or freezes it to play a Redis outage.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { answersOnPort, freePort, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const START_TIMEOUT_MS = 10_000;

export interface RedisTestServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>/0` */
  readonly url: string;
  /** Stops the server (SIGTERM, SIGKILL after 5 s); its data is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** SIGSTOP: the port stays open, nothing answers (a hung server). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
}

const running = new Set<ChildProcess>();

/** Starts redis-server on a free port; fails (never skips) when redis-server is not installed. */
export async function startRedisServer(): Promise<RedisTestServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: install the Debian package redis-server (.ci/run does) to run the Redis token-store tests`);
  }
  // Another process may take the port between freePort() and redis-server's bind: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      let child = await launch(port);
      return {
        port,
        url: `redis://127.0.0.1:${port}/0`,
        stop: () => terminate(child),
        restart: async () => {
          await terminate(child);
          child = await launch(port);
        },
        freeze: () => child.kill('SIGSTOP'),
        thaw: () => child.kill('SIGCONT'),
      };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Kills every redis-server this test file started and did not stop; for afterAll. */
export function stopAllRedisServers(): void {
  killServerProcesses(running);
}

async function launch(port: number): Promise<ChildProcess> {
  const args = ['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--port', String(port), '--bind', '127.0.0.1', '--loglevel', 'warning'];
  // cwd in tmp: should it ever write a dump file, not into the repository.
  return launchServerProcess(`redis-server on port ${port}`, REDIS_SERVER, args, { cwd: tmpdir(), running, timeoutMs: START_TIMEOUT_MS, ready: () => answersOnPort(port, { send: 'PING\r\n', reply: '+PONG' }), ports: [port] });
}

function terminate(child: ChildProcess): Promise<void> {
  return terminateServerProcess(child, 'redis-server');
}
