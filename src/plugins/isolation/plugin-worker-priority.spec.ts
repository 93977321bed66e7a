/**
 * Plugin workers' CPU priority, read from Linux's per-thread stat files of this process (the
 * compiled worker from dist/, as `npm test` builds first): each worker thread takes `nice` steps
 * below the thread that started it, replacements too, and nothing else changes.
 */
import { Logger } from '@nestjs/common';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginWorkerPool, type PluginLimits } from './plugin-worker-pool';
import * as threadPriority from './thread-priority';
import { threadNice, threadNices } from '../../../test/support/thread-nice';

const LIMITS: PluginLimits = { workers: 2, callTimeoutMs: 5000, maxHeapMb: 64, maxYoungHeapMb: 8, maxQueuedCalls: 100, nice: 10 };

describe('plugin worker threads: CPU priority (Linux)', () => {
  let dir: string;
  let pool: PluginWorkerPool | undefined;
  /** This thread's nice: workers are niced relative to it (a test run under `nice` still passes). */
  const base = getPriority(0);
  const lowered = (nice: number) => Math.min(19, base + nice);

  beforeAll(async () => {
    // Async file work from this thread first, as the server does before loading plugins: Node's
    // thread pool starts here, at this thread's priority, not in a worker.
    dir = await mkdtemp(join(tmpdir(), 'sts-nice-'));
    // Answers the id of the thread it runs on (the first field of /proc/thread-self/stat).
    await writeFile(
      join(dir, 'tid.js'),
      `const { readFileSync } = require('node:fs');
      module.exports = { name: 'tid', contractVersion: '1.0', validators: { TID: {
        async validateToken({ inputTokenState: state }) {
          if (state.quit) process.exit(5);
          if (state.ms) await new Promise((r) => setTimeout(r, state.ms));
          if (state.spin_ms) { const end = Date.now() + state.spin_ms; while (Date.now() < end); }
          return { principal: readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0] };
        },
      } } };`,
    );
  });
  afterEach(() => {
    pool?.close();
    pool = undefined;
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function started(limits: Partial<PluginLimits>): Promise<PluginWorkerPool> {
    pool = new PluginWorkerPool({ name: 'tid', entry: join(dir, 'tid.js'), entryName: 'tid.js' }, { ...LIMITS, ...limits });
    await pool.load();
    return pool;
  }
  const tidOf = async (p: PluginWorkerPool, state: object = {}) => ((await p.call('validators', 'TID', 'validateToken', [{ inputTokenState: state }])) as { principal: string }).principal;
  /** The thread of each worker: calls in flight together go to different workers (least busy first). */
  const workerTids = async (p: PluginWorkerPool, workers: number) => new Set(await Promise.all(Array.from({ length: workers }, () => tidOf(p, { ms: 200 }))));

  it('by default lowers exactly the worker threads by 10; the thread that started them keeps its priority', async () => {
    const tids = await workerTids(await started({ workers: 2 }), 2);
    expect(tids.size).toBe(2);
    const nices = threadNices('self');
    const loweredThreads = [...nices].filter(([, nice]) => nice !== base).map(([tid]) => tid);
    expect(loweredThreads.sort()).toEqual([...tids].sort());
    for (const tid of tids) expect(nices.get(tid)).toBe(lowered(10));
    expect(getPriority(0)).toBe(base);
  });

  it('leaves the workers at the server thread’s priority with nice 0', async () => {
    const [tid] = await workerTids(await started({ workers: 1, nice: 0 }), 1);
    expect(threadNice('self', tid)).toBe(base);
  });

  it('takes the lowest priority, 19, with nice 19', async () => {
    const [tid] = await workerTids(await started({ workers: 1, nice: 19 }), 1);
    expect(threadNice('self', tid)).toBe(19);
  });

  it('lowers the replacement of a worker that crashed, and of one ended for its time limit', async () => {
    const p = await started({ workers: 1, nice: 12, callTimeoutMs: 300 });
    const first = await tidOf(p);
    await expect(tidOf(p, { quit: true })).rejects.toMatchObject({ status: 503, code: 'plugin_crashed' });
    const afterCrash = await tidOf(p);
    expect(afterCrash).not.toBe(first);
    expect(threadNice('self', afterCrash)).toBe(lowered(12));
    await expect(tidOf(p, { spin_ms: 3000 })).rejects.toMatchObject({ status: 504, code: 'token_processing_timeout' });
    const afterTimeout = await tidOf(p);
    expect(afterTimeout).not.toBe(afterCrash);
    expect(threadNice('self', afterTimeout)).toBe(lowered(12));
  });

  it('warns once when the workers cannot lower their priority, and serves at the server’s priority', async () => {
    // 25 is outside what the system takes: setPriority throws in each worker, as a refusal would.
    jest.spyOn(threadPriority, 'workerThreadNice').mockReturnValue(25);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const tids = await workerTids(await started({ workers: 2 }), 2);
    expect(tids.size).toBe(2);
    for (const tid of tids) expect(threadNice('self', tid)).toBe(base);
    const warnings = warn.mock.calls.filter(([message]) => /could not lower their CPU priority/.test(String(message)));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0][0])).toMatch(/they run at the server's priority/);
  });
});
