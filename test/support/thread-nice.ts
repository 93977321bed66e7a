/** Linux per-thread nice values, read from /proc/<pid>/task/<tid>/stat (the plugin priority tests). */
import { readdirSync, readFileSync } from 'node:fs';

/** Field 19 of a thread's stat file (counted after the command name, which may hold spaces). */
export function threadNice(pid: number | 'self', tid: string): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** tid -> nice of every thread of the process. */
export function threadNices(pid: number | 'self'): Map<string, number> {
  const nices = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      nices.set(tid, threadNice(pid, tid));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return nices;
}
