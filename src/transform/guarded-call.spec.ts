/**
 * guardedCall's deadlines: calls under one timeout share a timer and expire in the order they
 * started; a call that settles leaves the list wherever it stands (first, middle, last), and the
 * others still expire on time.
 */
import { guardedCall } from './guarded-call';
import { StsError } from '../errors/sts-errors';

describe('guardedCall deadlines', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A call the test settles by hand. */
  function started(timeoutMs: number) {
    let settle!: (value: string) => void;
    let fail!: (error: unknown) => void;
    const outcome: { value?: string; error?: unknown } = {};
    const call = guardedCall(timeoutMs, 'test_failed', () => new Promise<string>((resolve, reject) => ((settle = resolve), (fail = reject)))) as Promise<string>;
    const done = call.then(
      (value) => void (outcome.value = value),
      (error: unknown) => void (outcome.error = error),
    );
    return { settle, fail, outcome, done };
  }
  const timedOut = (error: unknown) => error instanceof StsError && error.status === 504 && error.code === 'token_processing_timeout';

  it('expires every call still waiting, in the order they started, each at its own deadline', async () => {
    const first = started(1000);
    await jest.advanceTimersByTimeAsync(300);
    const second = started(1000);
    await jest.advanceTimersByTimeAsync(300);
    const third = started(1000);

    await jest.advanceTimersByTimeAsync(400); // t = 1000: only the first is due
    expect(timedOut(first.outcome.error)).toBe(true);
    expect(second.outcome).toEqual({});
    await jest.advanceTimersByTimeAsync(300); // t = 1300
    expect(timedOut(second.outcome.error)).toBe(true);
    expect(third.outcome).toEqual({});
    await jest.advanceTimersByTimeAsync(300); // t = 1600
    expect(timedOut(third.outcome.error)).toBe(true);
  });

  it.each([
    ['the oldest', 0],
    ['one in the middle', 1],
    ['the newest', 2],
  ])('takes %s off the list when it settles; the others still expire', async (_which, settled) => {
    const calls = [started(1000), started(1000), started(1000)];
    calls[settled].settle('answer');
    await calls[settled].done;
    await jest.advanceTimersByTimeAsync(1000);
    calls.forEach((call, index) => {
      if (index === settled) expect(call.outcome).toEqual({ value: 'answer' });
      else expect(timedOut(call.outcome.error)).toBe(true);
    });
  });

  it('drops an answer or a failure that comes after the deadline', async () => {
    const late = started(100);
    const failing = started(100);
    await jest.advanceTimersByTimeAsync(100);
    late.settle('too late');
    failing.fail(new Error('too late'));
    await jest.advanceTimersByTimeAsync(0);
    expect(timedOut(late.outcome.error)).toBe(true);
    expect(timedOut(failing.outcome.error)).toBe(true);
  });

  it('serves new calls after the list emptied, with a timer of their own', async () => {
    const early = started(100);
    early.settle('first');
    await early.done;
    await jest.advanceTimersByTimeAsync(500);
    const later = started(100);
    await jest.advanceTimersByTimeAsync(99);
    expect(later.outcome).toEqual({});
    await jest.advanceTimersByTimeAsync(1);
    expect(timedOut(later.outcome.error)).toBe(true);
  });

  it('keeps separate lists for separate timeouts', async () => {
    const long = started(1000);
    const short = started(100);
    await jest.advanceTimersByTimeAsync(100);
    expect(timedOut(short.outcome.error)).toBe(true);
    expect(long.outcome).toEqual({});
    long.settle('in time');
    await long.done;
    expect(long.outcome).toEqual({ value: 'in time' });
  });
});
