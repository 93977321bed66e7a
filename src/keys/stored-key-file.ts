/**
 * Files the server keeps under `<STS_DATA_DIR>/keys` (generated keys and their certificates):
 * directory mode 0700, files 0600, never half-written.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The file's text, or undefined when it does not exist; other errors are thrown. */
export async function readStoredFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Stores `content` as `file` unless the file exists; true when this call stored it. A temporary
 * file is linked into place: a crash never leaves a half-written file behind, and unlike rename,
 * link fails (EEXIST) when another process (a cluster worker) stored the file first, so every
 * process ends up with the one file on disk.
 */
export async function storeNewFile(file: string, content: string): Promise<boolean> {
  const temporary = await writeTemporary(file, content);
  try {
    return await link(temporary, file).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      },
    );
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Replaces `file` with `content` atomically (a temporary file renamed over it). */
export async function replaceStoredFile(file: string, content: string): Promise<void> {
  const temporary = await writeTemporary(file, content);
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function writeTemporary(file: string, content: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  return temporary;
}
