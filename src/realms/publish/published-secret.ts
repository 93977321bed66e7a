/**
 * A secret published with an instance (PingAM's `oidc-client-secret`) becomes a realm key whose
 * value lives where generated keys live, `<STS_DATA_DIR>/keys/<kid>.secret` (mode 0600), and
 * never in the realm file: the file names the key as `generate: {type: oct}`, which the key
 * loader then finds stored.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readStoredFile, replaceStoredFile } from '../../keys/stored-key-file';

export interface StoredSecret {
  /** Puts back what was stored before (or nothing): for a change that did not apply. */
  undo(): Promise<void>;
}

export function secretKeyFile(dataDir: string, kid: string): string {
  return join(dataDir, 'keys', `${kid}.secret`);
}

/** The realm file's entry for the key. */
export function secretKeyEntry(kid: string, secret: Buffer): { kid: string } & Record<string, unknown> {
  return { kid, use: 'sig', generate: { type: 'oct', size: secret.length * 8 } };
}

export async function storeSecret(dataDir: string, kid: string, secret: Buffer): Promise<StoredSecret> {
  const file = secretKeyFile(dataDir, kid);
  const before = await readStoredFile(file);
  await replaceStoredFile(file, secret.toString('base64url'));
  return { undo: () => (before === undefined ? removeSecret(dataDir, kid) : replaceStoredFile(file, before)) };
}

export async function removeSecret(dataDir: string, kid: string): Promise<void> {
  await unlink(secretKeyFile(dataDir, kid)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
