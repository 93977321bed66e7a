/**
 * Starts the BUILT server (`node dist/main.js`, from `npm run build`) the way an operator does,
 * and checks what start-up does with a bad and with a good configuration (SPEC section 2).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { freePort, killAll, REPO, spawnMain, within } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

const EXPECTED_PROBLEM = 'instances.default.oidc.signing_key: no key "k9" in realm /';
const roots: string[] = [];
const startServer = spawnMain;

async function badConfig() {
  const realm = await rootRealm({ instances: { default: oidcInstance('RS256', 'k9') } });
  const dir = await writeConfigDir({ root: realm });
  roots.push(dir.root);
  return dir;
}

afterEach(killAll);

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
