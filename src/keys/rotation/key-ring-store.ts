/**
 * Loads a rotating key's ring from `<dataDir>/keys/<kid>.ring.json`, moves it forward to `now`
 * (creates the next version when it is due for pre-publication, drops versions whose tokens have
 * all expired) and writes it back atomically. Key material lives beside it as `<kid>.v<n>.*`
 * (each RSA or EC version with its own self-signed certificate, `<kid>.v<n>.crt.pem`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyConfig } from '../../realms/schema/key-config';
import { KeyLoadError, type KeyLoadContext } from '../key-loader';
import type { LoadedKey } from '../loaded-key';
import { removeTokenVersion } from '../pkcs11/token-key-removal';
import { KeyRing, type KeyVersion } from './key-ring';

const DAY_MS = 86_400_000;

interface RingFile {
  versions: { n: number; activates_at: string }[];
}

type LoadMaterial = (config: KeyConfig) => Promise<LoadedKey>;

export function versionKid(name: string, n: number): string {
  return `${name}.v${n}`;
}

export async function loadKeyRing(
  config: KeyConfig,
  context: KeyLoadContext,
  longestTokenLifetimeMs: number,
  loadMaterial: LoadMaterial,
): Promise<KeyRing> {
  if (config.generate === undefined) {
    throw new KeyLoadError('rotation', 'only generated keys rotate automatically; add generate: or remove rotation:');
  }
  if (config.retired_at !== undefined) {
    throw new KeyLoadError('retired_at', 'a rotating key retires its versions itself; remove retired_at or rotation');
  }
  const rotation = config.rotation!;
  const every = rotation.every_days * DAY_MS;
  const prepublish = (rotation.prepublish_days ?? Math.min(7, rotation.every_days / 2)) * DAY_MS;
  if (prepublish >= every) throw new KeyLoadError('rotation.prepublish_days', 'must be shorter than every_days');
  const now = (context.clock ?? Date.now)();
  const file = join(context.dataDir, 'keys', `${config.kid}.ring.json`);
  const stored = await readRing(file);
  const versions = stored ? [...stored] : [{ n: 1, activatesAt: now }];

  // A new version is published `prepublish` before it signs; after downtime it still gets that head start.
  while (now >= versions.at(-1)!.activatesAt + every - prepublish) {
    const last = versions.at(-1)!;
    versions.push({ n: last.n + 1, activatesAt: Math.max(last.activatesAt + every, now + prepublish) });
  }
  // Drop versions retired so long ago that no token they signed can still be alive.
  const expired = versions.filter((_, i) => i + 1 < versions.length && versions[i + 1].activatesAt + longestTokenLifetimeMs <= now);
  const kept = versions.filter((v) => !expired.includes(v));

  if (stored === undefined || kept.length !== stored.length || kept.some((v, i) => v.n !== stored[i]?.n)) {
    await writeRing(file, kept);
    await Promise.all(expired.map((v) => removeMaterial(context.dataDir, versionKid(config.kid, v.n))));
    // A version generated in a PKCS#11 token is deleted there (token-key-removal.ts).
    if (config.pkcs11) await Promise.all(expired.map((v) => removeTokenVersion(config, versionKid(config.kid, v.n), context)));
  }
  const loaded: KeyVersion[] = await Promise.all(
    kept.map(async (v) => ({
      key: await loadMaterial({ ...config, kid: versionKid(config.kid, v.n), rotation: undefined }),
      activatesAt: v.activatesAt,
    })),
  );
  const last = kept.at(-1)!;
  const nextExpiry = kept.length > 1 ? kept[1].activatesAt + longestTokenLifetimeMs : Infinity;
  return new KeyRing(config.kid, loaded, Math.min(last.activatesAt + every - prepublish, nextExpiry));
}

async function readRing(file: string): Promise<{ n: number; activatesAt: number }[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyLoadError('rotation', `${file}: ${(error as Error).message}`);
  }
  try {
    const ring = JSON.parse(text) as RingFile;
    const versions = ring.versions.map((v) => ({ n: v.n, activatesAt: Date.parse(v.activates_at) }));
    if (versions.length === 0 || versions.some((v, i) => !Number.isInteger(v.n) || Number.isNaN(v.activatesAt) || (i > 0 && v.activatesAt < versions[i - 1].activatesAt))) {
      throw new Error('inconsistent');
    }
    return versions;
  } catch {
    throw new KeyLoadError('rotation', `${file} is damaged; restore it or delete it (and its .v<n> key files) to start a new ring`);
  }
}

async function writeRing(file: string, versions: readonly { n: number; activatesAt: number }[]): Promise<void> {
  const ring: RingFile = { versions: versions.map((v) => ({ n: v.n, activates_at: new Date(v.activatesAt).toISOString() })) };
  try {
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    throw new KeyLoadError('rotation', `cannot store the key ring ${file}: ${(error as Error).message}`);
  }
}

async function removeMaterial(dataDir: string, kid: string): Promise<void> {
  await Promise.all(['key.pem', 'crt.pem', 'secret'].map((ext) => rm(join(dataDir, 'keys', `${kid}.${ext}`), { force: true })));
}
