/**
 * Reads a file that the configuration names (keys, certificates, trust anchors, JWKS, partner
 * keys, an LDAP CA). A relative name is relative to the configuration directory, and when such a
 * file cannot be read the message says so, with that directory's absolute path: a name that
 * looks right but is resolved from elsewhere is the usual mistake.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

/** Its message is ready for a ConfigProblem: `keys/a.pem: file not found (relative to ...)`. */
export class ConfigFileError extends Error {}

export async function readConfigFile(configDir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(resolve(configDir, name));
  } catch (error) {
    throw new ConfigFileError(unreadableFileMessage(configDir, name, (error as NodeJS.ErrnoException).code));
  }
}

export function unreadableFileMessage(configDir: string, name: string, code: string | undefined): string {
  const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `file not readable (${code ?? 'error'})`;
  const relativeTo = isAbsolute(name) ? '' : ` (relative to the configuration directory ${resolve(configDir)})`;
  return `${name}: ${reason}${relativeTo}`;
}
