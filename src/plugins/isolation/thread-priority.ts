/**
 * Plugin workers run at a lower CPU priority than the thread that serves HTTP, so a CPU-heavy
 * plugin slows its own calls before anyone else's. On Linux a nice value set with pid 0 applies to
 * the calling thread only; elsewhere it would change the whole process, so nothing is changed there.
 */
import { getPriority, setPriority } from 'node:os';

/** Highest (least favoured) nice value on Linux. */
const LOWEST_PRIORITY = 19;

/**
 * The nice value a new worker should take: `nice` steps below the creating thread, at most 19.
 * Undefined when nothing is to change: `nice` 0, or a platform where it would not be per thread.
 */
export function workerThreadNice(nice: number, platform: NodeJS.Platform = process.platform, creatorNice: () => number = () => getPriority(0)): number | undefined {
  if (nice === 0 || platform !== 'linux') return undefined;
  return Math.min(LOWEST_PRIORITY, currentNice(creatorNice) + nice);
}

/** The creating thread's nice; 0 when the system will not say (a worker that cannot set it warns). */
function currentNice(creatorNice: () => number): number {
  try {
    return creatorNice();
  } catch {
    return 0;
  }
}

/** In the worker, before the plugin loads: sets this thread's nice value; answers why not, if it could not. */
export function lowerThisThread(threadNice: number | undefined, set: (pid: number, priority: number) => void = setPriority): string | undefined {
  if (threadNice === undefined) return undefined;
  try {
    set(0, threadNice);
    return undefined;
  } catch (error) {
    return (error as Error)?.message ?? String(error);
  }
}
