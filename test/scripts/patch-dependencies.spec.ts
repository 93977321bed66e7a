/**
 * scripts/patch-dependencies.js (postinstall): this checkout's install made its edits, and on a
 * throw-away node_modules holding the released text it makes them once, leaves them alone on a
 * second run, and refuses another version, changed text or a missing package without writing.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runNodeScript } from '../support/node-script';
import { REPO } from '../support/spawned-server';

interface Edit {
  package: string;
  version: string;
  file: string;
  replace: { from: string; to: string }[];
}

const SCRIPT = join(REPO, 'scripts', 'patch-dependencies.js');
const { EDITS } = require(SCRIPT) as { EDITS: Edit[] };
const roots: string[] = [];

const installedPath = (root: string, edit: Edit) => join(root, 'node_modules', ...edit.package.split('/'), edit.file);

/** The file as the release ships it: this checkout's edited copy with each edit taken back. */
async function releasedText(edit: Edit): Promise<string> {
  let text = await readFile(installedPath(REPO, edit), 'utf8');
  for (const { from, to } of [...edit.replace].reverse()) text = text.split(to).join(from);
  return text;
}

/** A root whose node_modules holds `edit`'s package at `version` with `text` as its file. */
async function layout(edit: Edit, text: string, version = edit.version): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sts-patch-dependencies-'));
  roots.push(root);
  const file = installedPath(root, edit);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  await writeFile(join(root, 'node_modules', ...edit.package.split('/'), 'package.json'), JSON.stringify({ name: edit.package, version }));
  return root;
}

function script(...args: string[]): Promise<{ code: number; out: string }> {
  return runNodeScript(SCRIPT, args);
}

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('scripts/patch-dependencies.js', () => {
  it('has edits, and this checkout\'s npm ci made every one of them', async () => {
    expect(EDITS.map((edit) => edit.package)).toContain('@xmldom/xmldom');
    for (const edit of EDITS) {
      const text = await readFile(installedPath(REPO, edit), 'utf8');
      for (const { to } of edit.replace) expect(text.split(to)).toHaveLength(2);
      expect(await releasedText(edit)).not.toBe(text);
    }
  });

  it.each(EDITS.map((edit) => [`${edit.package} ${edit.version}`, edit] as const))('makes the edit of %s once, then leaves it alone', async (_, edit) => {
    const root = await layout(edit, await releasedText(edit));
    const first = await script('--root', root);
    expect(first).toMatchObject({ code: 0, out: expect.stringContaining(`made: ${edit.package} ${edit.version} (${edit.file})`) });
    const edited = await readFile(installedPath(root, edit), 'utf8');
    expect(edited).toBe(await readFile(installedPath(REPO, edit), 'utf8'));

    expect(await script('--root', root)).toEqual({ code: 0, out: `patch-dependencies: already made: ${edit.package} ${edit.version} (${edit.file})\n` });
    expect(await readFile(installedPath(root, edit), 'utf8')).toBe(edited);
  });

  it('refuses another version of the package, naming both and what to do, and writes nothing', async () => {
    const edit = EDITS[0];
    const released = await releasedText(edit);
    const root = await layout(edit, released, '99.0.0');
    const result = await script('--root', root);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${edit.package} 99.0.0 is installed`);
    expect(result.out).toContain(`was written for ${edit.version}`);
    expect(result.out).toContain('then update or remove it in scripts/patch-dependencies.js');
    expect(await readFile(installedPath(root, edit), 'utf8')).toBe(released);
  });

  it('refuses a file that does not read as expected, even when only a later part differs, and writes nothing', async () => {
    const edit = EDITS[0];
    const last = edit.replace[edit.replace.length - 1];
    const changed = (await releasedText(edit)).split(last.from).join('/* changed upstream */');
    const root = await layout(edit, changed);
    const result = await script('--root', root);
    expect(result.code).toBe(1);
    expect(result.out).toContain('does not read as the edit expects');
    expect(await readFile(installedPath(root, edit), 'utf8')).toBe(changed);
  });

  it('refuses a missing package and a --root without a directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sts-patch-dependencies-'));
    roots.push(root);
    expect(await script('--root', root)).toMatchObject({ code: 1, out: expect.stringContaining(`${EDITS[0].package} is not installed`) });
    expect(await script('--root')).toEqual({ code: 1, out: 'patch-dependencies: --root needs a directory\n' });
  });
});
