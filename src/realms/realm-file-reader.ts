/** Reads `<configDir>/realms/*.yaml` into plain objects; YAML syntax errors become ConfigProblems. */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { displayPath } from '../common/display-path';
import type { ConfigProblem } from './config-problem';
import { readConfigYaml } from './config-yaml';
import { configurationHash, type HashedFile } from './configuration-hash';

export interface RealmFile {
  /** Shown in messages: relative to the working directory when inside it. */
  readonly file: string;
  /** Absolute path: where the admin API writes the realm back to. */
  readonly path: string;
  readonly content: unknown;
}

export interface RealmReadOptions {
  /**
   * Absolute file path -> text read instead of the file's content on disk, so a candidate edit
   * (the admin API's) is validated exactly like the files are. Only files on disk are overridden.
   */
  readonly overrides?: ReadonlyMap<string, string>;
}

export function realmsDirectory(configDir: string): string {
  return join(configDir, 'realms');
}

export async function readRealmFiles(
  configDir: string,
  { overrides }: RealmReadOptions = {},
): Promise<{ files: RealmFile[]; problems: ConfigProblem[]; hash: string }> {
  const dir = realmsDirectory(configDir);
  const shown = displayPath(dir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name) && !name.startsWith('.')).sort();
  } catch {
    return { files: [], problems: [{ file: shown, path: '', message: 'realm directory not found or not readable' }], hash: '' };
  }
  if (names.length === 0) {
    return { files: [], problems: [{ file: shown, path: '', message: 'no realm files (*.yaml)' }], hash: '' };
  }
  const files: RealmFile[] = [];
  const problems: ConfigProblem[] = [];
  const hashed: HashedFile[] = [];
  for (const name of names) {
    const path = resolve(dir, name);
    const file = displayPath(path);
    let bytes: Buffer;
    try {
      const override = overrides?.get(path);
      // Bytes, not text: the hash must match sha256sum of the file even where it is not valid UTF-8.
      bytes = override === undefined ? await readFile(path) : Buffer.from(override, 'utf8');
    } catch (error) {
      problems.push({ file, path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    hashed.push({ name: `realms/${name}`, bytes });
    const parsed = readConfigYaml(bytes.toString('utf8'), file);
    if (parsed.problems) problems.push(...parsed.problems);
    else files.push({ file, path, content: parsed.content });
  }
  return { files, problems, hash: configurationHash(hashed) };
}
