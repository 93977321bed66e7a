/**
 * The table of calls waiting for a worker: each id finds its own call only while it waits; an id
 * from an ended call, or anything else a worker might send, finds nothing, even after its index
 * serves another call.
 */
import { LAST_SEQUENCE, PendingCalls } from './pending-calls';

describe('PendingCalls', () => {
  it('finds each call by its id while it waits, and counts them', () => {
    const calls = new PendingCalls<string>();
    const a = calls.add('a');
    const b = calls.add('b');
    expect(a).not.toBe(b);
    expect([calls.get(a), calls.get(b), calls.size]).toEqual(['a', 'b', 2]);
    expect(calls.waiting().sort()).toEqual([a, b].sort());
  });

  it('takes a call once: a second take, or a get after it, finds nothing', () => {
    const calls = new PendingCalls<string>();
    const a = calls.add('a');
    expect(calls.take(a)).toBe('a');
    expect([calls.take(a), calls.get(a), calls.size]).toEqual([undefined, undefined, 0]);
    expect(calls.waiting()).toEqual([]);
  });

  it('never lets the id of an ended call reach the call that reuses its place', () => {
    const calls = new PendingCalls<string>();
    const ended = calls.add('ended');
    calls.take(ended);
    const next = calls.add('next');
    expect(next).not.toBe(ended);
    expect([calls.get(ended), calls.take(ended), calls.get(next)]).toEqual([undefined, undefined, 'next']);
  });

  it('reuses freed places instead of growing: ids stay distinct across many calls', () => {
    const calls = new PendingCalls<number>();
    const seen = new Set<number>();
    for (let round = 0; round < 1000; round++) {
      const ids = [calls.add(round), calls.add(round + 0.5), calls.add(round + 0.25)];
      for (const id of ids) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      // Taken out of order, as answers from an async plugin come.
      expect([calls.take(ids[1]), calls.take(ids[0]), calls.take(ids[2])]).toEqual([round + 0.5, round, round + 0.25]);
    }
    expect(calls.size).toBe(0);
    expect(Math.max(...[...seen].map((id) => id % 2 ** 17))).toBe(2);
  });

  it('starts its sequence again at the end of the exact integers: ids stay exact, distinct and found', () => {
    const calls = new PendingCalls<number>(LAST_SEQUENCE - 2);
    const ids = [0, 1, 2, 3].map((n) => {
      const id = calls.add(n);
      expect(calls.take(id)).toBe(n);
      return id;
    });
    expect(ids.every(Number.isSafeInteger)).toBe(true);
    expect(new Set(ids).size).toBe(4);
  });

  it.each([
    ['a negative number', -1],
    ['a fraction', 131072.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a small index alone', 0],
    ['a number past the safe range', 2 ** 60],
    ['a string', 'constructor'],
    ['an id as text', '131073'],
    ['an object', { id: 1 }],
    ['undefined', undefined],
  ])('finds nothing for %s, and leaves the waiting call alone', (_what, id) => {
    const calls = new PendingCalls<string>();
    const real = calls.add('real');
    expect(calls.get(id)).toBeUndefined();
    expect(calls.take(id)).toBeUndefined();
    expect([calls.size, calls.get(real)]).toEqual([1, 'real']);
  });
});
