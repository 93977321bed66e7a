/**
 * Which configuration is served and whether the files on disk still match it: readiness, the
 * admin API and the metrics all report this one view. STALE means a reload was refused, so the
 * files on disk differ from what is served; the next good reload makes it UP again.
 */
import type { ConfigProblem } from './config-problem';

export interface RefusedReload {
  readonly at: Date;
  readonly problems: readonly ConfigProblem[];
}

export interface ConfigurationStatus {
  readonly state: 'UP' | 'STALE';
  /** SHA-256 of the served realm files (configuration-hash.ts). */
  readonly hash: string;
  readonly loadedAt: Date;
  /** Realm files served, as shown in messages. */
  readonly files: readonly string[];
  /** The last reload, while it is the one that was refused. */
  readonly refusedReload?: RefusedReload;
}

/** Wire form of a refused reload: when, and every problem with its file and key path. */
export function refusedReloadJson(refused: RefusedReload): { at: string; problems: ConfigProblem[] } {
  return { at: refused.at.toISOString(), problems: refused.problems.map((problem) => ({ ...problem })) };
}
