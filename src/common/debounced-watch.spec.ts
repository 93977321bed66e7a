import { appendFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebouncedWatch, watchDebounced } from './debounced-watch';

const DEBOUNCE_MS = 50;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('watchDebounced', () => {
  let root: string;
  let watcher: DebouncedWatch | undefined;
  let changes: number;
  let errors: Error[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'debounced-watch-'));
    await mkdir(join(root, 'realms'));
    await writeFile(join(root, 'realms', 'root.yaml'), 'a: 1\n');
    changes = 0;
    errors = [];
  });
  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await rm(root, { recursive: true, force: true });
  });

  const start = (ignore?: (name: string) => boolean) => {
    watcher = watchDebounced(root, DEBOUNCE_MS, () => changes++, (error) => errors.push(error), ignore);
  };

  /** Resolves once `onChange` has run more than `seen` times; fails after 5 s. */
  async function changeAfter(seen: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (changes <= seen) {
      if (Date.now() > deadline) throw new Error(`no change reported (still ${changes})`);
      await sleep(20);
    }
  }

  /** Makes a change, waits for it to be reported and for the burst to settle. */
  async function expectReported(change: () => Promise<unknown>): Promise<void> {
    const seen = changes;
    await change();
    await changeAfter(seen);
    await sleep(DEBOUNCE_MS * 3);
  }

  /** Makes a change and checks that nothing is reported well past the debounce. */
  async function expectSilent(change: () => Promise<unknown>): Promise<void> {
    const seen = changes;
    await change();
    await sleep(DEBOUNCE_MS * 10);
    expect(changes).toBe(seen);
  }

  /** What writeFileAtomic does: a hidden temp file beside the target, renamed over it. */
  async function replaceByRename(file: string, text: string): Promise<void> {
    const temp = join(root, 'realms', '.root.yaml.tmp');
    await writeFile(temp, text);
    await rename(temp, file);
  }

  it('reports a burst of changes once', async () => {
    start();
    const file = join(root, 'realms', 'root.yaml');
    await expectReported(async () => {
      for (let i = 0; i < 5; i++) await appendFile(file, `b${i}: 2\n`);
    });
    expect(changes).toBe(1);
  });

  it('still reports edits to a file after it was replaced by rename', async () => {
    start();
    const file = join(root, 'realms', 'root.yaml');
    await expectReported(() => replaceByRename(file, 'a: 2\n'));
    await expectReported(() => appendFile(file, 'b: 3\n'));
    await expectReported(() => replaceByRename(file, 'a: 4\n'));
    await expectReported(() => appendFile(file, 'b: 5\n'));
    expect(errors).toEqual([]);
  });

  it('watches a directory created after it started', async () => {
    start();
    const keys = join(root, 'keys');
    await expectReported(() => mkdir(keys));
    await expectReported(() => writeFile(join(keys, 'trust.pem'), 'one'));
    await expectReported(() => appendFile(join(keys, 'trust.pem'), 'two'));
    const nested = join(keys, 'nested');
    await expectReported(() => mkdir(nested));
    await expectReported(() => writeFile(join(nested, 'ca.pem'), 'three'));
  });

  it('watches a directory that replaced another by rename', async () => {
    // rename(2) replaces a directory only if it is empty: a plugin folder being set up, say.
    const plugin = join(root, 'plugins', 'p1');
    await mkdir(plugin, { recursive: true });
    start();

    const next = join(root, 'plugins', 'p1.new');
    await mkdir(next);
    await writeFile(join(next, 'index.js'), 'v2');
    await expectReported(() => rename(next, plugin));
    await expectReported(() => appendFile(join(plugin, 'index.js'), '// edited'));
    expect(errors).toEqual([]);
  });

  it('watches a directory moved away and another moved in its place', async () => {
    const plugin = join(root, 'plugins', 'p1');
    await mkdir(plugin, { recursive: true });
    await writeFile(join(plugin, 'index.js'), 'v1');
    start();

    const next = join(root, 'plugins', 'p1.new');
    await mkdir(next);
    await writeFile(join(next, 'index.js'), 'v2');
    await expectReported(async () => {
      await rename(plugin, join(root, 'plugins', 'p1.old'));
      await rename(next, plugin);
    });
    await expectReported(() => appendFile(join(plugin, 'index.js'), '// edited'));
    // The old folder, now under another name, is watched as itself.
    await expectReported(() => appendFile(join(root, 'plugins', 'p1.old', 'index.js'), '// edited'));
    expect(errors).toEqual([]);
  });

  it('does not report ignored names, nor anything in dot-directories or ignored directories', async () => {
    await mkdir(join(root, '.git'));
    await mkdir(join(root, 'cache.tmp'));
    start((name) => /(^|\/)\.|\.tmp$/.test(name));
    await expectSilent(() => writeFile(join(root, 'realms', '.root.yaml.1234.tmp'), 'x'));
    await expectSilent(() => writeFile(join(root, 'realms', 'notes.tmp'), 'x'));
    await expectSilent(() => writeFile(join(root, '.git', 'HEAD'), 'x'));
    await expectSilent(() => writeFile(join(root, 'cache.tmp', 'entry'), 'x'));
    // The same kind of change under a name that is not ignored is seen.
    await expectReported(() => writeFile(join(root, 'realms', 'eu.yaml'), 'x'));
  });

  it('passes names relative to the root to ignore', async () => {
    const names: string[] = [];
    start((name) => {
      names.push(name);
      return false;
    });
    await expectReported(() => appendFile(join(root, 'realms', 'root.yaml'), 'b: 1\n'));
    expect(names).toContain(join('realms', 'root.yaml'));
  });

  it('follows a symlinked file to its target, also after the target was replaced by rename', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'debounced-watch-target-'));
    try {
      const target = join(outside, 'shared.yaml');
      await writeFile(target, 'a: 1\n');
      await symlink(target, join(root, 'realms', 'shared.yaml'));
      start();
      await expectReported(() => appendFile(target, 'b: 2\n'));
      await expectReported(async () => {
        await writeFile(join(outside, '.shared.yaml.tmp'), 'a: 3\n');
        await rename(join(outside, '.shared.yaml.tmp'), target);
      });
      await expectReported(() => appendFile(target, 'b: 4\n'));
      expect(errors).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('keeps going when a watched directory is removed, and sees it again when it comes back', async () => {
    await mkdir(join(root, 'keys'));
    start();
    await expectReported(() => rm(join(root, 'keys'), { recursive: true }));
    await expectReported(() => mkdir(join(root, 'keys')));
    await expectReported(() => writeFile(join(root, 'keys', 'k.pem'), 'x'));
    expect(errors).toEqual([]);
  });

  it('watches a bounded number of directories and says so once', async () => {
    for (let i = 0; i < 1005; i++) await mkdir(join(root, 'many', `d${i}`), { recursive: true });
    start();
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('more than 1000 directories')]);
    await expectReported(() => appendFile(join(root, 'realms', 'root.yaml'), 'b: 1\n'));
    expect(errors).toHaveLength(1);
  });

  it('throws at once for a root that does not exist', () => {
    expect(() => watchDebounced(join(root, 'missing'), DEBOUNCE_MS, () => undefined, () => undefined)).toThrow(/ENOENT/);
  });

  it('reports nothing after close()', async () => {
    await mkdir(join(root, 'keys'));
    start();
    // A change still pending when it closes is dropped too.
    await appendFile(join(root, 'realms', 'root.yaml'), 'b: 1\n');
    watcher!.close();
    await expectSilent(async () => {
      await appendFile(join(root, 'realms', 'root.yaml'), 'c: 1\n');
      await writeFile(join(root, 'keys', 'k.pem'), 'x');
      await mkdir(join(root, 'new'));
    });
    expect(changes).toBe(0);
  });
});
