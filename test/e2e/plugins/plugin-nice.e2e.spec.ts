/**
 * Plugin worker threads' CPU priority in the built server, read from Linux's per-thread stat files
 * of the server process (/proc/<pid>/task/<tid>/stat): only the plugins' worker threads are
 * lowered, by their `nice` (default 10), replacements too; the thread serving HTTP, Node's thread
 * pool and the rest keep the server's priority. `nice` on an `isolation: none` plugin stops the start.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootRealm } from '../../support/realm-fixtures';
import { killAll, spawnMain, startSpawnedServer, within, type SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';
import { threadNice, threadNices } from '../../support/thread-nice';

/** A plugin whose validator answers the id of the thread it runs on (after `ms`), or exits. */
function tidPlugin(name: string, type: string): string {
  return `const { readFileSync } = require('node:fs');
module.exports = (sts) => ({
  name: '${name}',
  contractVersion: sts.STS_CONTRACT_VERSION,
  validators: {
    ${type}: {
      async validateToken({ inputTokenState: state }) {
        if (state.quit) process.exit(6);
        if (state.ms) await new Promise((r) => setTimeout(r, state.ms));
        return { principal: readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0] };
      },
    },
  },
  providers: { ${type}: { createToken: ({ principal }) => principal } },
});`;
}

/** Default nice (10) with two workers, nice 0, nice 19. */
const PLUGINS = { usual: 'USUAL', gentle: 'GENTLE', lowest: 'LOWEST' };
const SERVER_YAML = {
  plugin_defaults: { workers: 2 },
  plugins: [
    { name: 'gentle', workers: 1, nice: 0 },
    { name: 'lowest', workers: 1, nice: 19 },
  ],
};

function instanceFor(type: string, plugin: string): object {
  return { supported_token_transforms: [{ from: type, to: type }], custom_token_validators: { [type]: plugin }, custom_token_providers: { [type]: plugin } };
}

describe('plugin worker threads at a lower CPU priority (built server, Linux)', () => {
  const roots: string[] = [];
  let server: SpawnedServer;
  let pid: number;
  /** The server thread's nice: workers are lowered relative to it. */
  let base: number;
  const lowered = (nice: number) => Math.min(19, base + nice);

  beforeAll(async () => {
    const realm = await rootRealm();
    for (const [name, type] of Object.entries(PLUGINS)) Object.assign(realm.instances as object, { [name]: instanceFor(type, name) });
    const dir = await writeConfigDir({ root: realm }, SERVER_YAML);
    roots.push(dir.root);
    const pluginsDir = join(dir.root, 'plugins');
    for (const [name, type] of Object.entries(PLUGINS)) {
      await mkdir(join(pluginsDir, name), { recursive: true });
      await writeFile(join(pluginsDir, name, 'index.js'), tidPlugin(name, type));
    }
    server = await startSpawnedServer(dir.root, { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: pluginsDir });
    pid = server.child.pid!;
    base = threadNice(pid, String(pid));
  }, 30_000);

  afterAll(async () => {
    await server?.stop().catch(killAll);
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  async function tidOf(name: string, state: object = {}): Promise<string> {
    const res = await server.post(`/rest-sts/${name}?_action=translate`, { input_token_state: { token_type: PLUGINS[name as keyof typeof PLUGINS], ...state }, output_token_state: { token_type: PLUGINS[name as keyof typeof PLUGINS] } });
    expect(res.status).toBe(200);
    return (res.body as { issued_token: string }).issued_token;
  }
  /** Each worker's thread: calls in flight together go to different workers (least busy first). */
  const workerTids = async (name: string, workers: number) => [...new Set(await Promise.all(Array.from({ length: workers }, () => tidOf(name, { ms: 300 }))))];

  it('lowers exactly the workers of each plugin by its nice; every other thread keeps the server’s priority', async () => {
    const usual = await workerTids('usual', 2);
    const [gentle] = await workerTids('gentle', 1);
    const [lowest] = await workerTids('lowest', 1);
    expect(usual).toHaveLength(2);
    const nices = threadNices(pid);
    expect(nices.get(String(pid))).toBe(base);
    for (const tid of usual) expect(nices.get(tid)).toBe(lowered(10));
    expect(nices.get(gentle)).toBe(base);
    expect(nices.get(lowest)).toBe(19);
    const changed = [...nices].filter(([, nice]) => nice !== base).map(([tid]) => tid);
    expect(changed.sort()).toEqual([...usual, lowest].sort());
  });

  it('lowers the worker started after one crashed', async () => {
    const before = await workerTids('usual', 2);
    const crashed = await server.post('/rest-sts/usual?_action=translate', { input_token_state: { token_type: 'USUAL', quit: true }, output_token_state: { token_type: 'USUAL' } });
    expect(crashed.status).toBe(503);
    expect(crashed.body).toMatchObject({ error: 'plugin_crashed' });
    const after = await workerTids('usual', 2);
    const replacement = after.filter((tid) => !before.includes(tid));
    expect(replacement).toHaveLength(1);
    expect(threadNice(pid, replacement[0])).toBe(lowered(10));
  });

  it('does not start with nice on an isolation: none plugin, naming file, key and why', async () => {
    const dir = await writeConfigDir({ root: await rootRealm() }, { plugins: [{ name: 'fast', isolation: 'none', nice: 5 }] });
    roots.push(dir.root);
    const refused = spawnMain(dir.root, { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: join(dir.root, 'plugins'), PORT: '0' });
    const { code } = await within(refused.exited, 20_000, 'exit');
    expect(code).toBe(1);
    expect(refused.output.stderr).toMatch(/server\.yaml: plugins\[0\]\.nice: plugin fast runs with isolation: none, in the server's own thread; nice applies to worker threads only/);
  });
});
