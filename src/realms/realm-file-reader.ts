/** Reads `<configDir>/realms/*.yaml` into plain objects; YAML syntax errors become ConfigProblems. */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { displayPath } from '../common/display-path';
import type { ConfigProblem } from './config-problem';
import { readConfigYaml } from './config-yaml';

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
): Promise<{ files: RealmFile[]; problems: ConfigProblem[] }> {
  const dir = realmsDirectory(configDir);
  const shown = displayPath(dir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name) && !name.startsWith('.')).sort();
  } catch {
    return { files: [], problems: [{ file: shown, path: '', message: 'realm directory not found or not readable' }] };
  }
  if (names.length === 0) {
    return { files: [], problems: [{ file: shown, path: '', message: 'no realm files (*.yaml)' }] };
  }
  const files: RealmFile[] = [];
  const problems: ConfigProblem[] = [];
  for (const name of names) {
    const path = resolve(dir, name);
    const file = displayPath(path);
    let text: string;
    try {
      text = overrides?.get(path) ?? (await readFile(path, 'utf8'));
    } catch (error) {
      problems.push({ file, path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const parsed = readConfigYaml(text, file);
    if (parsed.problems) problems.push(...parsed.problems);
    else files.push({ file, path, content: parsed.content });
  }
  return { files, problems };
}
