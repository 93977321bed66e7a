/**
 * Watches a directory tree and calls `onChange` once a burst of changes has settled.
 *
 * One plain fs.watch per directory rather than fs.watch(dir, {recursive: true}): on Linux, Node
 * 20's recursive watch follows each file by inode, so a file replaced by rename (an atomic write,
 * as the admin API does) goes silent. A directory's watch keeps reporting whatever its entries
 * become. A directory replaced by rename is a new inode, so before each `onChange` the tree is
 * scanned again: new directories get a watch, gone ones lose theirs, replaced ones get a new one.
 * Changes made before that scan are still seen, by the `onChange` that follows it.
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

/** Directories (and symlinks) watched at most: inotify watches are a limited, per-user resource. */
const MAX_WATCHED = 1000;

export interface DebouncedWatch {
  close(): void;
}

interface Watched {
  readonly watcher: FSWatcher;
  readonly identity: string; // dev:ino of what the path pointed to when armed
}

/**
 * `ignore` gets names relative to `dir` ("realms/.root.yaml.tmp"); an ignored change does not
 * count, and an ignored directory is not watched. Dot-directories are never watched. Throws if
 * `dir` does not exist; later failures go to `onError`.
 */
export function watchDebounced(
  dir: string,
  delayMs: number,
  onChange: () => void,
  onError: (error: Error) => void,
  ignore: (name: string) => boolean = () => false,
): DebouncedWatch {
  const watched = new Map<string, Watched>(); // by path relative to dir, '' for dir itself
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let warnedTooMany = false;

  const settled = (): void => {
    if (closed) return;
    try {
      rescan();
      onChange();
    } catch (error) {
      onError(error as Error); // a timer callback must not throw: that would end the process
    }
  };

  const changed = (): void => {
    clearTimeout(timer);
    if (!closed) timer = setTimeout(settled, delayMs);
  };

  function arm(rel: string, identity: string, isDirectory: boolean): void {
    try {
      const watcher = watch(join(dir, rel), (_event, name) => {
        // The name of a directory's entry, relative to the root; a watched file (a symlink's target) is the entry itself.
        const changedName = name && isDirectory ? join(rel, name) : rel;
        if (changedName && ignore(changedName)) return;
        changed();
      });
      watcher.on('error', (error) => {
        // Dropped; the next scan arms it again if it is still there.
        watcher.close();
        if (watched.get(rel)?.watcher === watcher) watched.delete(rel);
        onError(error);
      });
      watched.set(rel, { watcher, identity });
    } catch (error) {
      // Gone between the scan and now is normal; anything else (no permission, no inotify watches left) is worth a log line.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') onError(error as Error);
    }
  }

  /**
   * Brings the watches in line with the tree: every directory, and every symlink (its target, not
   * followed further down, as fs.watch recursive did: no loops). Breadth first, so a capped tree
   * still has its top levels watched.
   */
  function rescan(): void {
    const seen = new Set<string>();
    const queue: Array<[rel: string, descend: boolean]> = [['', true]];
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [rel, descend] = next;
      if (seen.size >= MAX_WATCHED) {
        if (!warnedTooMany) onError(new Error(`more than ${MAX_WATCHED} directories under ${dir}: changes in the others are not seen`));
        warnedTooMany = true;
        break;
      }
      let stats;
      try {
        stats = statSync(join(dir, rel));
      } catch {
        continue; // gone since it was listed, or a dangling symlink
      }
      seen.add(rel);
      const identity = `${stats.dev}:${stats.ino}`;
      const current = watched.get(rel);
      if (current?.identity !== identity) {
        current?.watcher.close();
        watched.delete(rel);
        arm(rel, identity, stats.isDirectory());
      }
      if (!descend) continue;
      let entries;
      try {
        entries = readdirSync(join(dir, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        const child = join(rel, entry.name);
        if (entry.name.startsWith('.') || ignore(child)) continue;
        if (entry.isDirectory()) queue.push([child, true]);
        else if (entry.isSymbolicLink()) queue.push([child, false]);
      }
    }
    for (const [rel, { watcher }] of watched) {
      if (seen.has(rel)) continue;
      watcher.close();
      watched.delete(rel);
    }
  }

  statSync(dir); // a missing root is the caller's mistake: throw now, as fs.watch did
  rescan();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const { watcher } of watched.values()) watcher.close();
      watched.clear();
    },
  };
}
