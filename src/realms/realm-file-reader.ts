/** Reads `<configDir>/realms/*.yaml` into plain objects; YAML syntax errors become ConfigProblems. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { displayPath } from '../common/display-path';
import type { ConfigProblem } from './config-problem';

export interface RealmFile {
  /** Shown in messages: relative to the working directory when inside it. */
  readonly file: string;
  readonly content: unknown;
}

export function realmsDirectory(configDir: string): string {
  return join(configDir, 'realms');
}

export async function readRealmFiles(configDir: string): Promise<{ files: RealmFile[]; problems: ConfigProblem[] }> {
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
    const file = displayPath(join(dir, name));
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (error) {
      problems.push({ file, path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (document.errors.length > 0) {
      problems.push(...document.errors.map((e) => ({ file, path: '', message: `YAML: ${e.message.split('\n')[0]}` })));
      continue;
    }
    files.push({ file, content: document.toJS({ maxAliasCount: 100 }) });
  }
  return { files, problems };
}
