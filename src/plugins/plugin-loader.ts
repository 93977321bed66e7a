/**
 * Loads one plugin folder. The folder is copied to a snapshot named after its content version
 * and imported from there (in worker threads, or in this thread for `isolation: none`), so a
 * replacement gets a fresh module graph (CommonJS and ESM alike) while requests already running
 * keep the objects of the version they started with.
 */
import { createHash } from 'node:crypto';
import { access, cp, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StsPluginManifest } from '../plugin-api/token-contract';
import type { WorkerStart } from './isolation/worker-protocol';
import { manifestFromModule, PluginLoadError } from './plugin-manifest';

const ENTRY_CANDIDATES = ['index.js', 'index.cjs', 'index.mjs'];

/** Changes whenever a file in the folder is added, removed, resized or touched. */
export async function folderVersion(folder: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const described = await Promise.all(
    entries.map(async (entry) => {
      const path = join(entry.parentPath ?? entry.path, entry.name);
      const info = await stat(path);
      return `${relative(folder, path)}\0${info.size}\0${info.mtimeMs}`;
    }),
  );
  for (const line of described.sort()) hash.update(`${line}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Copies the folder to its snapshot and finds its entry module there. */
export async function snapshotPlugin(folder: string, version: string, snapshotsDir: string): Promise<WorkerStart> {
  const name = basename(folder);
  const snapshot = join(snapshotsDir, `${name}@${version}`);
  if (!(await exists(snapshot))) await cp(folder, snapshot, { recursive: true });
  const entry = await entryFile(snapshot);
  return { name, entry, entryName: relative(snapshot, entry) };
}

/** Imports the plugin into this thread (`isolation: none`). */
export async function loadInProcess({ name, entry, entryName }: WorkerStart): Promise<StsPluginManifest> {
  let moduleExports: unknown;
  try {
    moduleExports = await import(pathToFileURL(entry).href);
  } catch (error) {
    throw new PluginLoadError(`${entryName} failed to load: ${(error as Error)?.message ?? String(error)}`);
  }
  return manifestFromModule(moduleExports, name);
}

/** `main` from package.json, else index.js / index.cjs / index.mjs; never outside the folder. */
async function entryFile(folder: string): Promise<string> {
  const packageJson = join(folder, 'package.json');
  if (await exists(packageJson)) {
    let main: unknown;
    try {
      main = JSON.parse(await readFile(packageJson, 'utf8')).main;
    } catch {
      throw new PluginLoadError('package.json is not valid JSON');
    }
    if (main !== undefined) {
      if (typeof main !== 'string') throw new PluginLoadError('package.json "main" must be a string');
      const path = resolve(folder, main);
      if (!path.startsWith(folder + sep)) throw new PluginLoadError('package.json "main" points outside the plugin folder');
      if (!(await exists(path))) throw new PluginLoadError(`package.json "main" names ${main}, which does not exist`);
      return path;
    }
  }
  for (const candidate of ENTRY_CANDIDATES) {
    if (await exists(join(folder, candidate))) return join(folder, candidate);
  }
  throw new PluginLoadError(`no entry point: add package.json "main" or one of ${ENTRY_CANDIDATES.join(', ')}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
