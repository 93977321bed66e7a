/**
 * scripts/build-if-stale.js (prestart, prestart:prod) on a throw-away copy of the layout it reads:
 * file times are set explicitly, so the decision never depends on how fast the machine is.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNodeScript } from '../support/node-script';
import { REPO } from '../support/spawned-server';

const BEFORE = new Date('2020-01-01T00:00:00Z');
const BUILT = new Date('2021-01-01T00:00:00Z');
const AFTER = new Date('2022-01-01T00:00:00Z');
const INPUTS = ['src', 'src/main.ts', 'src/realms', 'src/realms/realm-loader.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const roots: string[] = [];

/** A project whose every input predates its dist/main.js; `build` is its npm build script. */
async function project(build = "node -e \"require('fs').writeFileSync('dist/main.js', 'built')\""): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sts-build-if-stale-'));
  roots.push(root);
  await mkdir(join(root, 'src', 'realms'), { recursive: true });
  await mkdir(join(root, 'dist'));
  await mkdir(join(root, 'scripts'));
  await copyFile(join(REPO, 'scripts', 'build-if-stale.js'), join(root, 'scripts', 'build-if-stale.js'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'p', private: true, scripts: { build } }));
  for (const file of ['src/main.ts', 'src/realms/realm-loader.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'dist/main.js']) {
    await writeFile(join(root, file), 'x');
  }
  for (const input of INPUTS) await utimes(join(root, input), BEFORE, BEFORE);
  await utimes(join(root, 'dist/main.js'), BUILT, BUILT);
  return root;
}

/** Runs the script in `root`. */
function script(root: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return runNodeScript(join(root, 'scripts', 'build-if-stale.js'), args, root);
}

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('scripts/build-if-stale.js', () => {
  it('does not build when dist/main.js is newer than every input', async () => {
    const root = await project();
    expect(await script(root, '--dry-run')).toEqual({ code: 0, out: 'build-if-stale: dist/main.js is up to date; not rebuilding\n' });
    expect((await script(root, '--check')).code).toBe(0);
  });

  it.each(['src/realms/realm-loader.ts', 'src/main.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'])(
    'builds when %s changed after the last build, and says so',
    async (input) => {
      const root = await project();
      await utimes(join(root, input), AFTER, AFTER);
      expect(await script(root, '--dry-run')).toEqual({ code: 0, out: `build-if-stale: would build (${input} changed after the last build)\n` });
    },
  );

  it('does not build for a changed spec file, which is not built into dist/', async () => {
    const root = await project();
    await writeFile(join(root, 'src/realms/realm-loader.spec.ts'), 'x');
    await utimes(join(root, 'src/realms'), BEFORE, BEFORE); // the new file changed its directory too
    expect((await script(root, '--dry-run')).out).toContain('is up to date');
  });

  it('builds when a source file was deleted (its directory changed)', async () => {
    const root = await project();
    await unlink(join(root, 'src/realms/realm-loader.ts'));
    expect((await script(root, '--dry-run')).out).toBe('build-if-stale: would build (src/realms changed after the last build)\n');
  });

  it('builds when dist/main.js is missing (a fresh clone)', async () => {
    const root = await project();
    await unlink(join(root, 'dist/main.js'));
    expect((await script(root, '--dry-run')).out).toBe('build-if-stale: would build (dist/main.js is missing)\n');
  });

  it('runs npm run build when stale, and only then', async () => {
    const root = await project();
    expect((await script(root)).out).toContain('not rebuilding');
    expect(await readFile(join(root, 'dist/main.js'), 'utf8')).toBe('x');

    await utimes(join(root, 'src/main.ts'), AFTER, AFTER);
    const built = await script(root);
    expect(built.code).toBe(0);
    expect(built.out).toContain('build-if-stale: building (src/main.ts changed after the last build)');
    expect(await readFile(join(root, 'dist/main.js'), 'utf8')).toBe('built');
  });

  it('exits with the code of a failed build and removes dist/main.js, so the next start builds again', async () => {
    const root = await project('node -e "process.exit(3)"');
    await utimes(join(root, 'src/main.ts'), AFTER, AFTER);
    expect((await script(root)).code).toBe(3);
    expect((await script(root, '--dry-run')).out).toBe('build-if-stale: would build (dist/main.js is missing)\n');
  });

  it('--check (prestart:prod) builds nothing and exits 1, telling to run npm run build', async () => {
    const root = await project();
    await utimes(join(root, 'src/main.ts'), AFTER, AFTER);
    const checked = await script(root, '--check');
    expect(checked.code).toBe(1);
    expect(checked.out).toBe(
      'build-if-stale: dist/ is out of date (src/main.ts changed after the last build). This start builds nothing; run `npm run build` first.\n',
    );
    expect(await readFile(join(root, 'dist/main.js'), 'utf8')).toBe('x');
  });

  it('refuses an unknown option', async () => {
    expect(await script(await project(), '--chek')).toEqual({ code: 2, out: 'build-if-stale: unknown option --chek; use --check, --dry-run or nothing\n' });
  });

  it('is what npm start and npm run start:prod run first', async () => {
    const { scripts } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.prestart).toBe('node scripts/build-if-stale.js');
    expect(scripts['prestart:prod']).toBe('node scripts/build-if-stale.js --check');
    expect(scripts['start:prod']).toBe('NODE_ENV=production node dist/main.js');
  });
});
