/**
 * Runs a throw-away redis-server that speaks TLS only (a certificate for 127.0.0.1 from a CA made
 * here) and has an ACL user besides a disabled default user. stop() removes the temporary
 * directory with the keys, also after a failed start.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killServerProcesses, launchServerProcess, terminateServerProcess } from './spawned-server';
import { connect } from 'node:tls';

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisTlsTestServer {
  readonly port: number;
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

export async function startRedisTlsServer(user: { name: string; password: string }): Promise<RedisTlsTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sts-redis-tls-'));
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child) await terminateServerProcess(child, 'redis-server (TLS)');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const file = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test redis CA');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
    const port = await freePort();
    const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.pem'), '--tls-auth-clients', 'no', '--user', 'default', 'off', '--user', user.name, 'on', `>${user.password}`, '~*', '&*', '+@all', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'];
    const caPem = await readFile(file('ca.pem'), 'utf8');
    child = await launchServerProcess(`redis-server (TLS) on port ${port}`, REDIS_SERVER, args, { cwd: dir, running, timeoutMs: 10_000, ready: () => tlsAnswers(port, caPem) });
    return { port, caPem, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Kills every TLS server this test file started and did not stop; for afterAll. */
export function stopAllRedisTlsServers(): void {
  killServerProcesses(running);
}

function tlsAnswers(port: number, ca: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1', ca }, () => socket.write('PING\r\n'));
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    // The default user is off: any reply (an auth error) shows the server is up.
    socket.once('data', () => finish(true));
  });
}
