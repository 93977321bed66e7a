/**
 * The identity of a loaded configuration: SHA-256 over the realm files in load order, built the
 * way `sha256sum` lists files, so an operator can reproduce it without the server:
 * `cd "$STS_CONFIG_DIR" && LC_ALL=C sha256sum realms/*.yaml | sha256sum`.
 */
import { createHash } from 'node:crypto';

export interface HashedFile {
  /** Relative to the configuration directory, with `/` separators: `realms/root.yaml`. */
  readonly name: string;
  readonly bytes: Buffer;
}

export function configurationHash(files: readonly HashedFile[]): string {
  const listing = files.map(({ name, bytes }) => `${createHash('sha256').update(bytes).digest('hex')}  ${name}\n`).join('');
  return createHash('sha256').update(listing, 'utf8').digest('hex');
}
