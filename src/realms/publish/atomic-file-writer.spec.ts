import { chmod, lstat, mkdtemp, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file-writer';

jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  return { ...actual, open: jest.fn(actual.open) };
});
const realOpen = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises').open;

const OLD = 'realm: /\ninstances: {}\n';
const NEW = 'realm: /\ninstances:\n  added: {}\n';

/** What the realm loader reads and the config watcher reacts to (see realm-registry.service.ts). */
const WATCHER_IGNORES = /(^|\/)\.|~$|\.tmp$|\.swp$/;

describe('writeFileAtomic', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sts-atomic-'));
    file = join(dir, 'root.yaml');
    await writeFile(file, OLD);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Lets the next `open` (the writer's temp file) work, then changes its handle with `patch`. */
  function patchTempHandle(patch: (handle: FileHandle) => void): void {
    jest.mocked(open).mockImplementationOnce(async (...args: Parameters<typeof realOpen>) => {
      expect(String(args[0])).toMatch(/\.tmp$/);
      const handle = await realOpen(...args);
      patch(handle);
      return handle;
    });
  }

  it('replaces the content and leaves no temp file behind', async () => {
    await writeFileAtomic(file, NEW);
    expect(await readFile(file, 'utf8')).toBe(NEW);
    expect(await readdir(dir)).toEqual(['root.yaml']);
  });

  it('keeps the file mode', async () => {
    await chmod(file, 0o640);
    await writeFileAtomic(file, NEW);
    expect((await stat(file)).mode & 0o7777).toBe(0o640);
  });

  it('writes through a symlink to its target and keeps the link', async () => {
    const target = join(dir, 'target.yaml');
    await writeFile(target, OLD);
    const link = join(dir, 'link.yaml');
    await symlink(target, link);
    await writeFileAtomic(link, NEW);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toBe(NEW);
    expect((await readdir(dir)).sort()).toEqual(['link.yaml', 'root.yaml', 'target.yaml']);
  });

  it('leaves the original intact, and no temp file, when the write fails midway', async () => {
    patchTempHandle((handle) => {
      handle.writeFile = async () => {
        await handle.write(NEW.slice(0, 10)); // part of the text reaches the disk, then the disk fills up
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      };
    });
    await expect(writeFileAtomic(file, NEW)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readFile(file, 'utf8')).toBe(OLD);
    expect(await readdir(dir)).toEqual(['root.yaml']);
  });

  it('shows readers the old file until the new one is complete, from a temp file the watcher ignores', async () => {
    let seenDuringWrite: { content: string; names: string[] } | undefined;
    patchTempHandle((handle) => {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        // The whole new text is in the temp file now, but not yet renamed over the original.
        seenDuringWrite = { content: await readFile(file, 'utf8'), names: await readdir(dir) };
        return sync();
      };
    });
    await writeFileAtomic(file, NEW);

    expect(seenDuringWrite?.content).toBe(OLD);
    const temp = seenDuringWrite?.names.filter((name) => name !== 'root.yaml') ?? [];
    expect(temp).toHaveLength(1);
    expect(temp[0]).toMatch(WATCHER_IGNORES);
    expect(temp[0]).not.toMatch(/^[^.].*\.ya?ml$/);
    expect(await readFile(file, 'utf8')).toBe(NEW);
    expect(await readdir(dir)).toEqual(['root.yaml']);
  });

  it('refuses to create a file that is not there', async () => {
    await expect(writeFileAtomic(join(dir, 'missing.yaml'), NEW)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual(['root.yaml']);
  });
});
