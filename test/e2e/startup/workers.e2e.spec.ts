/**
 * STS_WORKERS: the BUILT server (`npm run build` first) as a node:cluster primary supervising
 * several workers on one port: serving, re-forking a dead worker, shutting down, refusing bad
 * values and reporting a configuration error once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { isRunning, killAll, spawnMain, startSpawnedServer, within } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

const roots: string[] = [];

async function configDir(realm: Record<string, unknown>) {
  const dir = await writeConfigDir({ root: realm });
  roots.push(dir.root);
  return {
    root: dir.root,
    env: { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: join(dir.root, 'plugins'), STS_WATCH_CONFIG: 'false' },
    dataDir: dir.dataDir,
  };
}

/** Pids of the direct children of `pid` (the cluster workers). */
function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return text.split(/\s+/).filter(Boolean).map(Number).sort();
}

async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * One translate request on a fresh connection (agent: false): a pooled keep-alive connection to
 * a worker we killed would fail on the client side even though the server answers.
 */
function translate(baseUrl: string): Promise<{ status: number; body: { issued_token?: string } }> {
  const body = JSON.stringify(usernameToOidc('alice', DEMO_PASSWORD));
  return new Promise((done, fail) => {
    const req = request(
      `${baseUrl}/rest-sts/default?_action=translate`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', fail).end(body);
  });
}

afterEach(killAll);

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('STS_WORKERS=2', () => {
  it('serves from two workers, replaces a killed one, and stops them all on SIGTERM', async () => {
    const { root, env, dataDir } = await configDir(await rootRealm());
    const server = await startSpawnedServer(root, { ...env, STS_WORKERS: '2' });
    const primary = server.child.pid!;

    // Both workers up (the second may still be starting when the first answers /health/ready).
    const workers = await until('two workers listening', () => {
      const pids = childrenOf(primary);
      const started = server.output.stdout.match(/Nest application successfully started/g)?.length ?? 0;
      return pids.length === 2 && started === 2 ? pids : undefined;
    });
    expect(new Set(workers).size).toBe(2);
    expect(server.output.stdout.match(/"msg":"2 workers"/g)).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      const res = await translate(server.baseUrl);
      expect(res.status).toBe(200);
      expect(res.body.issued_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    // Generated once, by the first worker: one file per key (and per certificate), no temporary left behind.
    expect((await readdir(join(dataDir, 'keys'))).sort()).toEqual(['ec-1.crt.pem', 'ec-1.key.pem', 'hs-1.secret', 'rsa-1.crt.pem', 'rsa-1.key.pem']);

    const [victim, survivor] = workers;
    process.kill(victim, 'SIGKILL');
    await until('the killed worker to go', () => (childrenOf(primary).includes(victim) ? undefined : true));
    const res = await translate(server.baseUrl);
    expect(res.status).toBe(200);

    const replaced = await until('a replacement worker', () => {
      const pids = childrenOf(primary);
      const started = server.output.stdout.match(/Nest application successfully started/g)?.length ?? 0;
      return pids.length === 2 && started === 3 ? pids : undefined;
    });
    expect(replaced).toContain(survivor);
    expect(replaced).not.toContain(victim);
    expect(server.output.stdout).toContain(`"msg":"worker ${victim} exited with signal SIGKILL; starting a new one"`);
    expect((await translate(server.baseUrl)).status).toBe(200);

    server.child.kill('SIGTERM');
    const { code, signal } = await within(server.exited, 15_000, 'exit after SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    for (const pid of replaced) expect(isRunning(pid)).toBe(false);
    expect(server.output.stderr).not.toMatch(/error/i);
  }, 60_000);

  it('reports a configuration error once, from the first worker, and exits 1', async () => {
    const { root, env } = await configDir(await rootRealm({ instances: { default: oidcInstance('RS256', 'k9') } }));
    const server = spawnMain(root, { ...env, PORT: '0', STS_WORKERS: '2' });
    const { code } = await within(server.exited, 20_000, 'exit');

    expect(code).toBe(1);
    expect(server.output.stdout).toContain('"msg":"2 workers"');
    expect(server.output.stderr.match(/Configuration error; the server did not start:/g)).toHaveLength(1);
    expect(server.output.stderr.match(/instances\.default\.oidc\.signing_key: no key "k9" in realm \//g)).toHaveLength(1);
  });
});

describe('a bad STS_WORKERS', () => {
  it.each(['0', 'abc', '65'])('STS_WORKERS=%s exits 1 naming the variable and what it accepts', async (value) => {
    const { root, env } = await configDir(await rootRealm());
    const server = spawnMain(root, { ...env, PORT: '0', STS_WORKERS: value });
    const { code } = await within(server.exited, 20_000, 'exit');

    expect(code).toBe(1);
    expect(server.output.stderr).toContain(`STS_WORKERS=${value} is not an integer between 1 and 64, or auto`);
    expect(server.output.stdout).not.toContain('workers');
  });
});
