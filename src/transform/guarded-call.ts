/**
 * Runs a validator's or token provider's code: StsErrors pass through; anything else is a fault
 * of that code and becomes a 500 with `code`. Work that does not settle within `timeoutMs` becomes
 * a 504; its late answer is dropped.
 */
import { InternalStsError, isStsError, StsError } from '../errors/sts-errors';

export function guardedCall<T>(timeoutMs: number, code: string, work: () => T | PromiseLike<T>): T | Promise<T> {
  let result: T | PromiseLike<T>;
  try {
    result = work();
  } catch (error) {
    throw faultOf(error, code);
  }
  // Synchronous work answers as it is: no promise, no timer.
  if (!isThenable(result)) return result;
  return withDeadline(Promise.resolve(result), timeoutMs, code);
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number, code: string): Promise<T> {
  const deadlines = deadlinesFor(timeoutMs);
  return new Promise<T>((resolve, reject) => {
    const pending = deadlines.add(() => reject(new StsError(504, 'token_processing_timeout', 'The token could not be processed in time.')));
    work.then(
      (value) => {
        deadlines.remove(pending);
        resolve(value);
      },
      (error: unknown) => {
        deadlines.remove(pending);
        reject(faultOf(error, code));
      },
    );
  });
}

function faultOf(error: unknown, code: string): unknown {
  return isStsError(error) ? error : new InternalStsError('The token could not be processed.', { code, cause: error });
}

interface Pending {
  readonly at: number;
  readonly expire: () => void;
  previous?: Pending;
  next?: Pending;
  queued: boolean;
}

/**
 * The calls waiting under one timeout, behind one timer instead of a timer each: with the same
 * timeout, deadlines fall in the order the calls started, so the oldest pending call is next.
 * A list through the entries rather than a Set: a Set's table, reallocated as calls come and go,
 * kept finished calls reachable long enough for V8 to move their requests' objects to the old
 * generation.
 */
class Deadlines {
  private first: Pending | undefined;
  private last: Pending | undefined;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(expire: () => void): Pending {
    const entry: Pending = { at: performance.now() + this.timeoutMs, expire, previous: this.last, next: undefined, queued: true };
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    this.count++;
    if (this.timer === undefined) this.timer = setTimeout(this.fire, this.timeoutMs);
    // A pending call keeps the process alive, as its own timer did.
    else if (this.count === 1) this.timer.ref();
    return entry;
  }

  remove(entry: Pending): void {
    if (!entry.queued) return;
    this.unlink(entry);
    if (this.count === 0) this.timer?.unref();
  }

  private unlink(entry: Pending): void {
    entry.queued = false;
    if (entry.previous) entry.previous.next = entry.next;
    else this.first = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    else this.last = entry.previous;
    entry.previous = entry.next = undefined;
    this.count--;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (let entry = this.first; entry; entry = this.first) {
      if (entry.at > now) {
        this.timer = setTimeout(this.fire, Math.ceil(entry.at - now));
        return;
      }
      this.unlink(entry);
      entry.expire();
    }
  };
}

const byTimeout = new Map<number, Deadlines>();

function deadlinesFor(timeoutMs: number): Deadlines {
  let deadlines = byTimeout.get(timeoutMs);
  if (!deadlines) byTimeout.set(timeoutMs, (deadlines = new Deadlines(timeoutMs)));
  return deadlines;
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}
