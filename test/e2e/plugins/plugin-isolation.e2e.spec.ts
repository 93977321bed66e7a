/**
 * Plugins in worker threads, against the built server: a plugin that busy-loops, allocates without
 * bound, exits, throws after answering or keeps crashing is contained (its own code, the worker
 * replaced, counted in the metrics) while the rest of the server keeps answering; what a plugin
 * receives (replay guard, identity store, realm keys, StsErrors) works across the thread
 * boundary; `isolation: none` runs a trusted plugin in the server's thread; a replaced version's
 * workers go away.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_PASSWORD, rootRealm } from '../../support/realm-fixtures';
import { killAll, startSpawnedServer, SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

const TIMEOUT_MS = 1500;

/** A plugin whose validator for `type` runs `body` (with `state`, `params`, `sts` in scope). */
function plugin(name: string, type: string, body: string): string {
  return `module.exports = (sts) => ({
  name: '${name}',
  contractVersion: sts.STS_CONTRACT_VERSION,
  validators: {
    ${type}: {
      async validateToken(params) {
        const state = params.inputTokenState;
        ${body}
      },
    },
  },
  providers: {
    ${type}: { createToken: ({ principal }) => Buffer.from(JSON.stringify({ principal })).toString('base64') },
  },
});`;
}

/**
 * Makes `state.churn` thousand short-lived objects (some kept a while, as a busy plugin does), then
 * answers its worker's young-generation limit and how large V8 let the young generation grow.
 */
const YOUNG_HEAP_REPORT = `const { resourceLimits } = require('node:worker_threads');
    let kept = [];
    for (let round = 0; round < state.churn; round++) { for (let i = 0; i < 1000; i++) kept.push({ text: 'x'.repeat(50) + i, list: [i] }); if (kept.length > 20000) kept = []; }
    const young = require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    return { principal: resourceLimits.maxYoungGenerationSizeMb + ':' + young.space_size / 1048576 };`;

const PLUGINS: Record<string, string> = {
  busy: plugin('busy', 'BUSY', `if (state.spin_ms) { const end = Date.now() + state.spin_ms; while (Date.now() < end); } return { principal: 'busy:' + state.who };`),
  hog: plugin('hog', 'HOG', `if (state.alloc) { const kept = []; for (;;) kept.push(new Array(1e6).fill(kept.length)); } return { principal: 'hog:ok' };`),
  quitter: plugin('quitter', 'QUITTER', `if (state.quit) process.exit(3); return { principal: 'quitter:ok' };`),
  crashy: plugin('crashy', 'CRASHY', `if (state.quit) process.exit(4); return { principal: 'crashy:ok' };`),
  late: plugin('late', 'LATE', `if (state.throw_later) setTimeout(() => { throw new Error('boom after answering'); }, 5); return { principal: 'late:ok' };`),
  helpers: plugin(
    'helpers',
    'HELPERS',
    `const { isMainThread } = require('node:worker_threads');
    const crypto = require('node:crypto');
    switch (state.mode) {
      case 'replay':
        if (!(await params.replayGuard.firstUse('helpers:' + state.id, new Date(Date.now() + 60000)))) throw new sts.InvalidTokenError('Seen before.', { code: 'helpers_replayed' });
        return { principal: 'replay:' + state.id };
      case 'login': {
        const identity = await params.realm.identityStore.authenticate(state.username, state.password);
        if (!identity) throw new sts.InvalidTokenError('Wrong password.', { code: 'helpers_bad_login' });
        return { principal: 'login:' + identity.username + ':' + identity.attributes.mail };
      }
      case 'keys': {
        const key = params.realm.keys.get('ec-1');
        const signature = crypto.sign('sha256', Buffer.from('data'), key.privateKey);
        const ok = crypto.verify('sha256', Buffer.from('data'), key.publicKey, signature);
        return { principal: 'keys:' + key.kid + ':' + key.family + ':' + key.curve + ':' + ok + ':' + String(params.realm.keys.get('nope')) };
      }
      case 'echo':
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
        return { principal: 'echo:' + state.who };
      default:
        return { principal: 'thread:' + (isMainThread ? 'main' : 'worker') + ':' + params.instance.path };
    }`,
  ),
  inproc: plugin('inproc', 'INPROC', `return { principal: 'thread:' + (require('node:worker_threads').isMainThread ? 'main' : 'worker') };`),
  narrow: plugin('narrow', 'NARROW', `await new Promise((r) => setTimeout(r, 400)); return { principal: 'narrow:' + state.who };`),
  reloaded: plugin('reloaded', 'RELOADED', `return { principal: 'v1' };`),
  compact: plugin('compact', 'COMPACT', YOUNG_HEAP_REPORT),
  roomy: plugin('roomy', 'ROOMY', YOUNG_HEAP_REPORT),
};

const SERVER_YAML = {
  plugin_defaults: { call_timeout_ms: TIMEOUT_MS, workers: 2 },
  plugins: [
    { name: 'inproc', isolation: 'none' },
    { name: 'narrow', workers: 1, max_queued_calls: 2 },
    { name: 'hog', workers: 1, max_heap_mb: 32 },
    // Their churn takes a few hundred ms; a loaded machine must not turn that into a timeout.
    { name: 'compact', workers: 1, call_timeout_ms: 20_000 },
    { name: 'roomy', workers: 1, call_timeout_ms: 20_000, max_young_heap_mb: 32 },
  ],
};

function instanceFor(type: string, plugin: string): object {
  return { supported_token_transforms: [{ from: type, to: type }], custom_token_validators: { [type]: plugin }, custom_token_providers: { [type]: plugin } };
}

describe('plugins isolated in worker threads (built server)', () => {
  let server: SpawnedServer;
  let root: string;
  let pluginsDir: string;

  beforeAll(async () => {
    const realm = await rootRealm();
    for (const name of Object.keys(PLUGINS)) Object.assign(realm.instances as object, { [name]: instanceFor(name.toUpperCase(), name) });
    const dir = await writeConfigDir({ root: realm }, SERVER_YAML);
    root = dir.root;
    pluginsDir = join(root, 'plugins');
    for (const [name, source] of Object.entries(PLUGINS)) await writePlugin(name, source);
    server = await startSpawnedServer(root, { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: pluginsDir, STS_TOKEN_TIMEOUT_MS: String(TIMEOUT_MS) });
  }, 30_000);

  afterAll(async () => {
    await server?.stop().catch(killAll);
    await rm(root, { recursive: true, force: true });
  });

  async function writePlugin(name: string, source: string): Promise<void> {
    await mkdir(join(pluginsDir, name), { recursive: true });
    await writeFile(join(pluginsDir, name, 'index.js'), source);
  }

  const translate = (name: string, state: object = {}) => server.post(`/rest-sts/${name}?_action=translate`, { input_token_state: { token_type: name.toUpperCase(), ...state }, output_token_state: { token_type: name.toUpperCase() } });
  const principalOf = (res: { body: { issued_token: string } }) => JSON.parse(Buffer.from(res.body.issued_token, 'base64').toString('utf8')).principal;
  const oidcLogin = () => server.post('/rest-sts/default?_action=translate', { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT' } });
  async function restarts(plugin: string, reason: string): Promise<number> {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`sts_plugin_worker_restarts_total{plugin="${plugin}",reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }
  /** Resolves with when it settled, for ordering. */
  const timed = <T>(promise: Promise<T>) => promise.then((value) => ({ value, at: Date.now() }));
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('runs a plugin off the server thread, and an `isolation: none` one on it', async () => {
    expect(principalOf(await translate('helpers'))).toBe('thread:worker:/helpers');
    expect(principalOf(await translate('inproc'))).toBe('thread:main');
  });

  describe('a plugin that busy-loops past its time limit', () => {
    it('gets 504 token_processing_timeout, while health, metrics and other instances answer meanwhile', async () => {
      const busy = timed(translate('busy', { spin_ms: 6000, who: 'x' }));
      await pause(300);
      const others = await Promise.all([timed(fetch(`${server.baseUrl}/health/live`)), timed(oidcLogin()), timed(fetch(`${server.baseUrl}/metrics`)), timed(translate('helpers'))]);
      const answered = await busy;
      expect([answered.value.status, answered.value.body.error]).toEqual([504, 'token_processing_timeout']);
      expect(others.map((o) => o.value.status)).toEqual([200, 200, 200, 200]);
      for (const other of others) expect(other.at).toBeLessThan(answered.at);
    });

    it('has its worker replaced: the next call is served, and the restart counted', async () => {
      expect(principalOf(await translate('busy', { who: 'after' }))).toBe('busy:after');
      expect(await restarts('busy', 'timeout')).toBeGreaterThanOrEqual(1);
    });
  });

  it('a plugin past its heap limit: 503 plugin_memory_exceeded, replaced, counted; the server keeps serving', async () => {
    const res = await translate('hog', { alloc: true });
    expect([res.status, res.body.error]).toEqual([503, 'plugin_memory_exceeded']);
    expect((await oidcLogin()).status).toBe(200);
    expect(principalOf(await translate('hog'))).toBe('hog:ok');
    expect(await restarts('hog', 'out_of_memory')).toBe(1);
  });

  it('bounds each worker’s young generation: 8 MiB by default, max_young_heap_mb where set', async () => {
    const [limit, grown] = principalOf(await translate('compact', { churn: 300 })).split(':').map(Number);
    expect(limit).toBe(8);
    expect(grown).toBeLessThanOrEqual(8);
    // The same churn under a larger limit grows past the default's bound: the limit is what held it.
    const [roomyLimit, roomyGrown] = principalOf(await translate('roomy', { churn: 300 })).split(':').map(Number);
    expect(roomyLimit).toBe(32);
    expect(roomyGrown).toBeGreaterThan(8);
  });

  it('a plugin that calls process.exit: 503 plugin_crashed, only its worker ends', async () => {
    const res = await translate('quitter', { quit: true });
    expect([res.status, res.body.error]).toEqual([503, 'plugin_crashed']);
    expect((await fetch(`${server.baseUrl}/health/live`)).status).toBe(200);
    expect(principalOf(await translate('quitter'))).toBe('quitter:ok');
    expect(await restarts('quitter', 'crashed')).toBe(1);
  });

  it('a plugin that throws after answering: the answer stands, the worker is replaced, the error logged', async () => {
    expect(principalOf(await translate('late', { throw_later: true }))).toBe('late:ok');
    await pause(200);
    expect(principalOf(await translate('late'))).toBe('late:ok');
    expect(server.output.stderr).toContain('boom after answering');
    expect(await restarts('late', 'crashed')).toBe(1);
  });

  it('a plugin whose workers keep dying is paused: 503 plugin_unavailable, other plugins unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await translate('crashy', { quit: true })).body.error).toBe('plugin_crashed');
    const paused = await translate('crashy');
    expect([paused.status, paused.body.error]).toEqual([503, 'plugin_unavailable']);
    expect(principalOf(await translate('quitter'))).toBe('quitter:ok');
  });

  it('refuses calls beyond the queue cap with 503 plugin_overloaded', async () => {
    const answers = await Promise.all(['a', 'b', 'c'].map((who) => translate('narrow', { who })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 503]);
    expect(answers.find((a) => a.status === 503)!.body.error).toBe('plugin_overloaded');
  });

  describe('what a plugin receives, across the thread boundary', () => {
    it('the replay guard: first use accepted, a replay refused with the plugin’s own 401 code', async () => {
      expect(principalOf(await translate('helpers', { mode: 'replay', id: 'r-1' }))).toBe('replay:r-1');
      const replayed = await translate('helpers', { mode: 'replay', id: 'r-1' });
      expect([replayed.status, replayed.body.error, replayed.body.message]).toEqual([401, 'helpers_replayed', 'Seen before.']);
    });

    it("the realm's identity store", async () => {
      expect(principalOf(await translate('helpers', { mode: 'login', username: 'alice', password: DEMO_PASSWORD }))).toBe('login:alice:alice@example.com');
      expect((await translate('helpers', { mode: 'login', username: 'alice', password: 'wrong' })).body.error).toBe('helpers_bad_login');
    });

    it("the realm's keys, usable for signing, and undefined for an unknown kid", async () => {
      expect(principalOf(await translate('helpers', { mode: 'keys' }))).toBe('keys:ec-1:EC:P-256:true:undefined');
    });

    it('200 concurrent calls across the workers never mix answers', async () => {
      const who = Array.from({ length: 200 }, (_, i) => `w${i}`);
      const answers = await Promise.all(who.map((w) => translate('helpers', { mode: 'echo', who: w })));
      expect(answers.map((a) => principalOf(a))).toEqual(who.map((w) => `echo:${w}`));
    });
  });

  it("ends a replaced version's workers once it is replaced (no old versions left running)", async () => {
    const threads = async () => Number(/Threads:\s+(\d+)/.exec(await readFile(`/proc/${server.child.pid}/status`, 'utf8'))![1]);
    expect(principalOf(await translate('reloaded'))).toBe('v1');
    const before = await threads();
    for (const version of ['v2', 'v3', 'v4']) {
      await writePlugin('reloaded', PLUGINS.reloaded.replace("'v1'", `'${version}'`));
      for (let i = 0; i < 100 && principalOf(await translate('reloaded')) !== version; i++) await pause(100);
      expect(principalOf(await translate('reloaded'))).toBe(version);
    }
    await pause(500);
    // Two workers per version: three leaked versions would add six threads.
    expect(await threads()).toBeLessThanOrEqual(before + 1);
  });
});
