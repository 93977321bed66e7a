/** The worker pool on its own (the compiled worker from dist/, as `npm test` builds first). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StsRealmContext } from '../../plugin-api/token-contract';
import { PluginWorkerPool } from './plugin-worker-pool';

const LIMITS = { workers: 2, callTimeoutMs: 2000, maxHeapMb: 64, maxYoungHeapMb: 8, maxQueuedCalls: 100, nice: 10 };

describe('PluginWorkerPool', () => {
  let dir: string;
  const pools: PluginWorkerPool[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sts-pool-'));
    writeFileSync(
      join(dir, 'slow.js'),
      `module.exports = { name: 'slow', contractVersion: '1.0', validators: { SLOW: {
        async validateToken({ inputTokenState }) { await new Promise((r) => setTimeout(r, inputTokenState.ms)); return { principal: 'slow:' + inputTokenState.ms }; },
        checkConfiguration() { return []; },
      } } };`,
    );
    // Loads in ~400 ms (longer than the call limit of the test below), then answers at once.
    writeFileSync(
      join(dir, 'slow-start.js'),
      `const until = Date.now() + 400; while (Date.now() < until);
      module.exports = { name: 'slow', contractVersion: '1.0', validators: { SLOW: {
        async validateToken({ inputTokenState }) { await new Promise((r) => setTimeout(r, inputTokenState.ms)); return { principal: 'slow:' + inputTokenState.ms }; },
      } } };`,
    );
    // Answers at once and uses the replay guard 50 ms later (a plugin's stray timer); `report` answers how that went.
    writeFileSync(
      join(dir, 'late-guard.js'),
      `let late = 'not yet';
      module.exports = { name: 'slow', contractVersion: '1.0', validators: { LATE: {
        async validateToken({ inputTokenState: state, replayGuard }) {
          if (state.report) return { principal: late };
          if (state.late) {
            setTimeout(() => replayGuard.firstUse('k', new Date(Date.now() + 60000)).then((v) => (late = 'served ' + v), (e) => (late = 'refused: ' + e.message)), 50);
            return { principal: 'answered' };
          }
          await new Promise((r) => setTimeout(r, 500));
          return { principal: 'waited' };
        },
      } } };`,
    );
    writeFileSync(join(dir, 'bad.js'), `module.exports = { name: 'other-name', contractVersion: '1.0', validators: { X: { validateToken() {} } } };`);
    writeFileSync(join(dir, 'throws.js'), `throw new Error('cannot start');`);
  });
  afterAll(() => {
    for (const pool of pools) pool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const poolOf = (file: string, name = 'slow') => {
    const pool = new PluginWorkerPool({ name, entry: join(dir, file), entryName: file }, LIMITS);
    pools.push(pool);
    return pool;
  };
  const call = (pool: PluginWorkerPool, ms: number) => pool.call('validators', 'SLOW', 'validateToken', [{ inputTokenState: { ms } }]);

  it("refuses a plugin's use of the replay guard after its call was answered, though a later call took its place", async () => {
    const pool = new PluginWorkerPool({ name: 'slow', entry: join(dir, 'late-guard.js'), entryName: 'late-guard.js' }, { ...LIMITS, workers: 1 });
    pools.push(pool);
    await pool.load();
    const realm = { path: '/', settings: {} } as unknown as StsRealmContext;
    const guardOf = () => ({ firstUse: jest.fn(async () => true) });
    const [answered, later] = [guardOf(), guardOf()];
    const late = (state: object, replayGuard: ReturnType<typeof guardOf>) => pool.call('validators', 'LATE', 'validateToken', [{ inputTokenState: state, realm, replayGuard }]);
    await expect(late({ late: true }, answered)).resolves.toEqual({ principal: 'answered' });
    // Waits in the worker while the first call's stray request comes in.
    await expect(late({}, later)).resolves.toEqual({ principal: 'waited' });
    await expect(late({ report: true }, guardOf())).resolves.toEqual({ principal: 'refused: the call has ended' });
    expect(answered.firstUse).not.toHaveBeenCalled();
    expect(later.firstUse).not.toHaveBeenCalled();
  });

  it("describes the plugin's types and contract methods", async () => {
    await expect(poolOf('slow.js').load()).resolves.toEqual({
      contractVersion: '1.0',
      demoOnly: false,
      validators: { SLOW: { methods: ['validateToken', 'checkConfiguration'] } },
      providers: {},
    });
  });

  it('refuses to load a plugin the manifest checks refuse, or whose module throws, with the reason', async () => {
    await expect(poolOf('bad.js').load()).rejects.toThrow('manifest name "other-name" does not match the folder name "slow"');
    await expect(poolOf('throws.js').load()).rejects.toThrow('throws.js failed to load: cannot start');
  });

  it('drains: calls in flight finish, then the workers end and new calls are refused', async () => {
    const pool = poolOf('slow.js');
    await pool.load();
    const inFlight = call(pool, 300);
    await new Promise((r) => setTimeout(r, 50));
    const drained = pool.drain();
    await expect(inFlight).resolves.toEqual({ principal: 'slow:300' });
    await drained;
    expect(pool.inFlight).toBe(0);
    await expect(call(pool, 1)).rejects.toMatchObject({ status: 503, code: 'plugin_unavailable' });
  });

  it('answers a call that outlives its limit with 504 and serves the next on a fresh worker', async () => {
    const pool = new PluginWorkerPool({ name: 'slow', entry: join(dir, 'slow.js'), entryName: 'slow.js' }, { ...LIMITS, workers: 1, callTimeoutMs: 200 }, (reason) => restarts.push(reason));
    const restarts: string[] = [];
    pools.push(pool);
    await pool.load();
    await expect(call(pool, 5000)).rejects.toMatchObject({ status: 504, code: 'token_processing_timeout' });
    await expect(call(pool, 1)).resolves.toEqual({ principal: 'slow:1' });
    expect(restarts).toEqual(['timeout']);
  });

  it("does not count a fresh worker's start against the call's time limit", async () => {
    const pool = new PluginWorkerPool({ name: 'slow', entry: join(dir, 'slow-start.js'), entryName: 'slow-start.js' }, { ...LIMITS, workers: 1, callTimeoutMs: 200 });
    pools.push(pool);
    await pool.load();
    await expect(call(pool, 5000)).rejects.toMatchObject({ status: 504, code: 'token_processing_timeout' });
    // The replacement takes ~400 ms to load; the call, 1 ms of work, is answered.
    await expect(call(pool, 1)).resolves.toEqual({ principal: 'slow:1' });
  });
});
