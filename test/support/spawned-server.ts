/**
 * Runs the BUILT server (`node dist/main.js`, from `npm run build`) as an operator does, for
 * tests that need a real process: start-up failures, and plugins loaded by Node's own module
 * loader (jest's sandbox cannot run a native dynamic import()).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { freePort } from '../../bench/free-port';
import type { TestResponse } from './test-response';

export { freePort };

export const REPO = resolve(__dirname, '../..');
export const MAIN = join(REPO, 'dist', 'main.js');

export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Starts `node dist/main.js` in `cwd` with only PATH, NO_COLOR and `env` set. */
export function spawnMain(cwd: string, env: Record<string, string>): SpawnedProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing; run \`npm run build\` before the e2e tests`);
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    }),
  );
  return { child, output, exited };
}

/** Kills whatever a test file left running. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}


/**
 * Starts a test server (slapd, redis-server) and resolves once `ready()` says it serves; rejects
 * with its output when it exits first or takes longer than `timeoutMs`. Tracked in `running`
 * until it exits.
 */
export async function launchServerProcess(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; running: Set<ChildProcess>; timeoutMs: number; ready: () => Promise<boolean>; ports?: readonly number[] },
): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  options.running.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    options.running.delete(child);
  });
  child.once('error', () => (exited = true));
  const deadline = Date.now() + options.timeoutMs;
  // Ready only once the answers come from this child: a server restarted on its old port must not
  // pass for started because another test's server took the port meanwhile (this one then exits).
  const ownsPorts = () => (options.ports ?? []).every((port) => listensOn(child.pid!, port));
  while (!((await options.ready()) && ownsPorts())) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** Whether process `pid` holds a listening TCP socket on `port` (Linux: /proc/net/tcp*, /proc/<pid>/fd). */
export function listensOn(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = existsSync(table) ? readFileSync(table, 'utf8').split('\n').slice(1) : [];
    for (const row of rows) {
      // sl local_address rem_address st ... inode: the local port is hex after the colon, 0A is LISTEN.
      const fields = row.trim().split(/\s+/);
      if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // exited
  }
  return fds.some((fd) => {
    try {
      return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
    } catch {
      return false;
    }
  });
}

/** SIGTERM (after SIGCONT, so a frozen server can act on it), SIGKILL after 5 s; resolves once it exited. */
export async function terminateServerProcess(child: ChildProcess, name: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  try {
    await within(exited, 10_000, `${name} exit`);
  } finally {
    clearTimeout(killer);
  }
}

/** Kills every server in `running` (SIGCONT first, for frozen ones) that a test file did not stop; for afterAll. */
export function killServerProcesses(running: Set<ChildProcess>): void {
  for (const child of running) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
}

/**
 * True when something on the local port accepts a TCP connection and, with `greeting`, answers
 * what it sends with a reply starting with `reply` (readiness checks for launchServerProcess).
 */
export function answersOnPort(port: number, greeting?: { send: string; reply: string }): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => (greeting ? socket.write(greeting.send) : finish(true)));
    if (greeting) socket.once('data', (data) => finish(data.toString().startsWith(greeting.reply)));
  });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SpawnedServer extends SpawnedProcess {
  readonly baseUrl: string;
  post(path: string, body: unknown): Promise<TestResponse>;
  stop(): Promise<void>;
}

/** Starts the server and resolves once /health/ready answers 200. */
export async function startSpawnedServer(cwd: string, env: Record<string, string>): Promise<SpawnedServer> {
  const port = await freePort();
  const started = spawnMain(cwd, { ...env, PORT: String(port) });
  let exit: unknown;
  void started.exited.then((result) => (exit = result));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
    if (ready?.status === 200) break;
    if (exit || Date.now() > deadline) {
      started.child.kill('SIGKILL');
      throw new Error(`server did not become ready (exit: ${JSON.stringify(exit)}):\n${started.output.stdout}${started.output.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ...started,
    baseUrl,
    post: async (path, body) => {
      const response = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
    stop: async () => {
      started.child.kill('SIGTERM');
      await within(started.exited, 10_000, 'exit after SIGTERM');
    },
  };
}
