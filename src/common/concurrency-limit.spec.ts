import { ConcurrencyLimit } from './concurrency-limit';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
}

test('runs at most `limit` tasks at once, the rest in arrival order', async () => {
  const limit = new ConcurrencyLimit(2);
  const gates = [deferred(), deferred(), deferred(), deferred()];
  const started: number[] = [];
  const runs = gates.map((gate, i) => limit.run(async () => (started.push(i), await gate.promise, i)));
  await new Promise((tick) => setImmediate(tick));
  expect(started).toEqual([0, 1]);
  expect(limit.queued).toBe(2);
  gates[1].resolve();
  await runs[1];
  await new Promise((tick) => setImmediate(tick));
  expect(started).toEqual([0, 1, 2]);
  gates[0].resolve();
  gates[2].resolve();
  gates[3].resolve();
  expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  expect(limit.queued).toBe(0);
});

test('a failing task frees its slot and passes its error on', async () => {
  const limit = new ConcurrencyLimit(1);
  const failing = limit.run(() => Promise.reject(new Error('boom')));
  const next = limit.run(async () => 'next');
  await expect(failing).rejects.toThrow('boom');
  await expect(next).resolves.toBe('next');
  await expect(limit.run(async () => 'again')).resolves.toBe('again');
});
