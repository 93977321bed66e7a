/**
 * Calls sent to the other side of a worker thread and not answered yet (the server's calls to a
 * plugin, a plugin's requests to the server), by the id each was sent with. The table grows to the
 * most calls ever waiting at once and is never reallocated after: with a Map, whose table V8
 * reallocates as calls come and go, finished calls stayed reachable long enough for V8 to move
 * them, and every object of their requests, to the old generation (about 3 KB per request), which
 * then grew until a full collection. An id names one call only: it holds the call's index and a
 * sequence number, so an answer or a request from the worker about a call that has ended finds
 * nothing, even once its index serves another call.
 */

/** Indexes per table: above the calls `max_queued_calls` lets wait at once (100,000). */
const INDEXES = 2 ** 17;
/** The sequence starts again after this, so ids stay exact integers however long a worker serves. */
export const LAST_SEQUENCE = Math.floor(Number.MAX_SAFE_INTEGER / INDEXES) - 1;
const FREE = -1;

export class PendingCalls<T> {
  /** At each index, the id of the call there, or FREE. */
  private readonly ids: number[] = [];
  private readonly calls: (T | undefined)[] = [];
  /** Free indexes as a chain through this array, from `firstFree`. */
  private readonly nextFree: number[] = [];
  private firstFree = FREE;
  private count = 0;

  /** `sequence`: of the call before the first (only tests start elsewhere than 0). */
  constructor(private sequence = 0) {}

  get size(): number {
    return this.count;
  }

  /** Keeps `call` until it is taken; answers its id. */
  add(call: T): number {
    let index = this.firstFree;
    if (index === FREE) {
      index = this.calls.length;
      if (index >= INDEXES) throw new Error(`more than ${INDEXES} calls waiting at once`);
      this.ids.push(FREE);
      this.calls.push(undefined);
      this.nextFree.push(FREE);
    } else {
      this.firstFree = this.nextFree[index];
    }
    // Wrapping around could only confuse a call with one from 2^36 calls before.
    this.sequence = this.sequence >= LAST_SEQUENCE ? 1 : this.sequence + 1;
    const id = this.sequence * INDEXES + index;
    this.ids[index] = id;
    this.calls[index] = call;
    this.count++;
    return id;
  }

  /** The call with this id while it waits; undefined for anything else, whatever the worker sent. */
  get(id: unknown): T | undefined {
    const index = this.indexOf(id);
    return index === FREE ? undefined : this.calls[index];
  }

  /** The call with this id, no longer waiting. */
  take(id: unknown): T | undefined {
    const index = this.indexOf(id);
    if (index === FREE) return undefined;
    const call = this.calls[index];
    this.ids[index] = FREE;
    this.calls[index] = undefined;
    this.nextFree[index] = this.firstFree;
    this.firstFree = index;
    this.count--;
    return call;
  }

  /** The ids of every call waiting. */
  waiting(): number[] {
    return this.ids.filter((id) => id !== FREE);
  }

  private indexOf(id: unknown): number {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < INDEXES) return FREE;
    const index = id % INDEXES;
    return this.ids[index] === id ? index : FREE;
  }
}
