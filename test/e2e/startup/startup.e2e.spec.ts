/**
 * Starts the BUILT server (`node dist/main.js`, from `npm run build`) the way an operator does,
 * and checks what start-up does with a bad and with a good configuration (SPEC section 2).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { writeConfigDir } from '../../support/test-server';

const REPO = resolve(__dirname, '../../..');
const MAIN = join(REPO, 'dist', 'main.js');
const EXPECTED_PROBLEM = 'instances.default.oidc.signing_key: no key "k9" in realm /';

interface Started {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
const roots: string[] = [];

function startServer(cwd: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return { child, output, exited };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A port nothing listens on right now: bind port 0, read it, release it. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function badConfig() {
  const realm = await rootRealm({ instances: { default: oidcInstance('RS256', 'k9') } });
  const dir = await writeConfigDir({ root: realm });
  roots.push(dir.root);
  return dir;
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing; run \`npm run build\` before the e2e tests`);
});

afterEach(() => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('start-up of the built server', () => {
  it('exits non-zero on a bad configuration, naming file, key path and problem (config dir relative to cwd)', async () => {
    const { root } = await badConfig();
    const server = startServer(root, { STS_CONFIG_DIR: 'config', STS_DATA_DIR: 'data', STS_PLUGINS_DIR: 'plugins', PORT: '0' });
    const { code } = await within(server.exited, 20000, 'exit');

    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(server.output.stderr.split('\n')).toContain(`config/realms/root.yaml: ${EXPECTED_PROBLEM}`);
    expect(server.output.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits non-zero on a bad configuration given by absolute path', async () => {
    const { root, configDir, dataDir } = await badConfig();
    const server = startServer(REPO, { STS_CONFIG_DIR: configDir, STS_DATA_DIR: dataDir, STS_PLUGINS_DIR: join(root, 'plugins'), PORT: '0' });
    const { code } = await within(server.exited, 20000, 'exit');

    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const line = server.output.stderr.split('\n').find((l) => l.endsWith(EXPECTED_PROBLEM));
    expect(line).toBeDefined();
    expect(line).toMatch(/realms\/root\.yaml: instances\.default\.oidc\.signing_key: no key "k9" in realm \/$/);
    expect(line!.startsWith(join(configDir, 'realms', 'root.yaml'))).toBe(true);
  });

  it('starts on a valid configuration, answers /health/live and /health/ready, and stops on SIGTERM', async () => {
    const dir = await writeConfigDir({ root: await rootRealm() });
    roots.push(dir.root);
    const port = await freePort();
    const server = startServer(dir.root, {
      STS_CONFIG_DIR: dir.configDir,
      STS_DATA_DIR: dir.dataDir,
      STS_PLUGINS_DIR: join(dir.root, 'plugins'),
      PORT: String(port),
      STS_WATCH_CONFIG: 'false',
    });
    let exitedEarly: { code: number | null } | undefined;
    void server.exited.then((result) => (exitedEarly = result));

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20000;
    let live: Response | undefined;
    while (!live && !exitedEarly && Date.now() < deadline) {
      live = await fetch(`${base}/health/live`).catch(() => undefined);
      if (!live) await new Promise((r) => setTimeout(r, 100));
    }
    if (!live) throw new Error(`server did not answer (exit: ${JSON.stringify(exitedEarly)}); stderr:\n${server.output.stderr}`);

    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'UP' });
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(server.output.stdout).toContain('Nest application successfully started');
    expect(server.output.stderr).not.toMatch(/error/i);

    server.child.kill('SIGTERM');
    const { code, signal } = await within(server.exited, 10000, 'exit after SIGTERM');
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
  });
});
