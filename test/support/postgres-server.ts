/**
 * Runs a throw-away PostgreSQL (Debian's packages) on a free loopback port with its own temp
 * directory, for the SQL attribute-source tests. PostgreSQL refuses to run as root, so initdb and
 * postgres run as the `postgres` user on a directory it owns; the superuser's password is generated
 * per run and the tests connect over TCP with it. stop() and restart() play an outage; dispose()
 * stops it and removes the directory.
 */
import { ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { answersOnPort, freePort, isRunning, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';

const START_TIMEOUT_MS = 30_000;
const running = new Set<ChildProcess>();
/** Data directories of servers not yet disposed: runuser does not pass on a SIGKILL. */
const dataDirs = new Set<string>();

export interface PostgresTestServer {
  readonly port: number;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  readonly connectionString: string;
  /** Runs SQL as the superuser (setting up tables and rows). */
  sql(text: string, values?: unknown[]): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/** The newest installed server's bin directory (`/usr/lib/postgresql/<version>/bin`). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'postgres'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed: install the Debian package postgresql (.ci/run does) to run the SQL source tests');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** `runuser -u postgres` when we are root (CI containers), the command itself otherwise. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export async function startPostgres(): Promise<PostgresTestServer> {
  const bin = postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'sts-postgres-'));
  const password = randomBytes(12).toString('base64url');
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, password + '\n', { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
    await chown(pwfile, uid, gid);
  }
  try {
    const [initdb, initArgs] = asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--no-sync']);
    await promisify(execFile)(initdb, initArgs);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  await rm(pwfile, { force: true });
  dataDirs.add(data);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const listen = () => {
      const [command, args] = asPostgres(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
      return launchServerProcess(`postgres on port ${port}`, command, args, { running, timeoutMs: START_TIMEOUT_MS, ready: () => acceptsLogins(port, password) });
    };
    try {
      let child = await listen();
      const connectionString = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      return {
        port,
        connectionString,
        sql: async (text, values) => {
          const client = new Client({ connectionString });
          await client.connect();
          try {
            await client.query(text, values);
          } finally {
            await client.end();
          }
        },
        stop: () => shutDown(child, data),
        restart: async () => {
          await shutDown(child, data);
          child = await listen();
        },
        dispose: async () => {
          await shutDown(child, data);
          dataDirs.delete(data);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

/**
 * A fast shutdown (SIGINT to the postmaster: clients are disconnected; SIGTERM would wait for the
 * STS's pooled connections to close), then the runuser wrapper is gone too.
 */
async function shutDown(child: ChildProcess, data: string): Promise<void> {
  const pid = postmasterPid(data);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
    const deadline = Date.now() + 10_000;
    while (isRunning(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  }
  await terminateServerProcess(child, 'postgres');
}

function postmasterPid(data: string): number | undefined {
  const pid = Number(readFileSafe(join(data, 'postmaster.pid')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Kills every postgres this test file started and did not stop; for afterAll. */
export function stopAllPostgres(): void {
  for (const data of dataDirs) {
    const pid = postmasterPid(data);
    if (pid !== undefined) killQuietly(pid);
  }
  killServerProcesses(running);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await promisify(execFile)('id', ['postgres']);
  const uid = Number(/uid=(\d+)/.exec(stdout)?.[1]);
  const gid = Number(/gid=(\d+)/.exec(stdout)?.[1]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('no postgres user: install the Debian package postgresql');
  return { uid, gid };
}

async function acceptsLogins(port: number, password: string): Promise<boolean> {
  if (!(await answersOnPort(port))) return false;
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
