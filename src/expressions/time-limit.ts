/**
 * A wall-clock limit for synchronous work (CEL evaluation cannot yield): the work runs under
 * node:vm's `timeout`, whose watchdog terminates the JavaScript running at the deadline, whatever
 * context its functions come from. One shared context; the work itself is a plain function.
 *
 * Starting the watchdog costs about 0.15 ms, several times what a small expression takes; work
 * whose estimated cost is at most DIRECT_COST steps is bounded by that estimate and runs directly.
 */
import * as vm from 'node:vm';

export class TimeLimitExceeded extends Error {}

/** Estimated steps (see expression-cost.ts) below which work runs without the watchdog: well under a millisecond. */
export const DIRECT_COST = 10_000;

const context = vm.createContext({ work: undefined as (() => unknown) | undefined });
const call = new vm.Script('work()');

export function withinTimeLimit<T>(timeoutMs: number, work: () => T, estimatedCost = Infinity): T {
  if (estimatedCost <= DIRECT_COST) return work();
  let result: T | undefined;
  context.work = () => {
    result = work();
  };
  try {
    call.runInContext(context, { timeout: timeoutMs });
  } catch (error) {
    if ((error as { code?: unknown })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new TimeLimitExceeded(`not finished within ${timeoutMs} ms`);
    throw error;
  } finally {
    context.work = undefined;
  }
  return result as T;
}
