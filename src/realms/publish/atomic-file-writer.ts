/**
 * Replaces a file's content all at once: readers (and a crash) see the old file or the new one,
 * never a half-written one. The new text goes to a temp file beside the target, is flushed to
 * disk, then renamed over it (rename within one directory is atomic on POSIX file systems).
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  // Through a symlink (a mounted config, a dotfiles repo) the link stays and its target changes.
  const target = await realpath(path);
  const original = await stat(target);
  // A dot name ending in .tmp: neither the realm loader nor the config watcher looks at it.
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      // Exact mode and owner of the original; open() applied the umask and our own uid.
      await handle.chmod(original.mode & 0o7777);
      if (original.uid !== process.getuid?.() || original.gid !== process.getgid?.()) {
        await handle.chown(original.uid, original.gid).catch(() => undefined); // only root may; best effort
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(target));
}

/** Makes the rename itself durable; some platforms cannot open a directory for that, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
