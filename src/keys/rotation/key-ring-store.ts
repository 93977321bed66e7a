/**
 * Loads a rotating key's ring from `<dataDir>/keys/<kid>.ring.json`, moves it forward to `now`
 * (creates the next version when it is due for pre-publication, drops versions whose tokens have
 * all expired) and writes it back atomically. Key material lives beside it as `<kid>.v<n>.*`
 * (each RSA or EC version with its own self-signed certificate, `<kid>.v<n>.crt.pem`).
 * With a Redis token store the ring lives in Redis instead (shared-key-rings.ts): it changes by
 * compare-and-set, and each version's material and certificate are the ones the first node
 * stored there, copied into this node's data directory before they are loaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyConfig } from '../../realms/schema/key-config';
import { generatedCertificateFile } from '../generated-certificate';
import { KeyLoadError, type KeyLoadContext } from '../key-loader';
import type { LoadedKey } from '../loaded-key';
import { readStoredFile, replaceStoredFile } from '../stored-key-file';
import { removeTokenVersion } from '../pkcs11/token-key-removal';
import { KeyRing, type KeyVersion } from './key-ring';
import type { SharedKeyRings } from './shared-key-rings';

const DAY_MS = 86_400_000;

interface RingFile {
  versions: { n: number; activates_at: string }[];
}

type LoadMaterial = (config: KeyConfig) => Promise<LoadedKey>;
type StoredVersions = { n: number; activatesAt: number }[];

export interface KeyRingSharing {
  /** Set with a Redis token store: rings and material are shared through it. */
  readonly sharedKeyRings?: SharedKeyRings;
}

/** A shared ring is read again at least this often, so a node follows a version another node made. */
export const SHARED_RING_RECHECK_MS = 5 * 60_000;
const COMPARE_AND_SET_ATTEMPTS = 5;

export function versionKid(name: string, n: number): string {
  return `${name}.v${n}`;
}

export async function loadKeyRing(
  config: KeyConfig,
  context: KeyLoadContext & KeyRingSharing,
  longestTokenLifetimeMs: number,
  loadMaterial: LoadMaterial,
): Promise<KeyRing> {
  if (config.generate === undefined) {
    throw new KeyLoadError('rotation', 'only generated keys rotate automatically; add generate: or remove rotation:');
  }
  if (config.retired_at !== undefined) {
    throw new KeyLoadError('retired_at', 'a rotating key retires its versions itself; remove retired_at or rotation');
  }
  const shared = context.sharedKeyRings;
  if (shared && config.pkcs11) {
    throw new KeyLoadError('rotation', 'with token_store type redis, rotating keys are shared through Redis, which a key generated in a PKCS#11 token cannot be: rotate it by hand (name each version by label or id, see retired_at) or use a file key');
  }
  if (shared && !shared.canWrap) {
    throw new KeyLoadError('rotation', 'with token_store type redis, rotating keys are shared through Redis, and their private keys leave this process only wrapped: set token_store.redis.key_wrapping_key_env in server.yaml');
  }
  const rotation = config.rotation!;
  const every = rotation.every_days * DAY_MS;
  const prepublish = (rotation.prepublish_days ?? Math.min(7, rotation.every_days / 2)) * DAY_MS;
  if (prepublish >= every) throw new KeyLoadError('rotation.prepublish_days', 'must be shorter than every_days');
  const now = (context.clock ?? Date.now)();
  const file = join(context.dataDir, 'keys', `${config.kid}.ring.json`);
  const step = (stored: StoredVersions | undefined) => advanceRing(stored, now, every, prepublish, longestTokenLifetimeMs);

  let kept: StoredVersions;
  if (shared) {
    kept = await inRedis(shared, () => advanceSharedRing(shared, config.kid, file, step));
    await mirrorRing(file, kept, context.dataDir, config.kid);
  } else {
    const stored = await readRing(file);
    const next = step(stored);
    kept = next.kept;
    if (next.changed) {
      await writeRing(file, kept);
      await Promise.all(next.expired.map((v) => removeMaterial(context.dataDir, versionKid(config.kid, v.n))));
      // A version generated in a PKCS#11 token is deleted there (token-key-removal.ts).
      if (config.pkcs11) await Promise.all(next.expired.map((v) => removeTokenVersion(config, versionKid(config.kid, v.n), context)));
    }
  }
  const loaded: KeyVersion[] = await Promise.all(
    kept.map(async (v) => {
      const versionConfig = { ...config, kid: versionKid(config.kid, v.n), rotation: undefined };
      if (shared) await inRedis(shared, () => adoptSharedMaterial(shared, config, versionConfig.kid, context.dataDir, () => loadMaterial(versionConfig)));
      return { key: await loadMaterial(versionConfig), activatesAt: v.activatesAt };
    }),
  );
  const last = kept.at(-1)!;
  const nextExpiry = kept.length > 1 ? kept[1].activatesAt + longestTokenLifetimeMs : Infinity;
  const recheck = shared ? now + SHARED_RING_RECHECK_MS : Infinity;
  return new KeyRing(config.kid, loaded, Math.min(last.activatesAt + every - prepublish, nextExpiry, recheck));
}

/** The ring moved forward to `now`: versions kept, versions dropped, and whether it changed. */
function advanceRing(stored: StoredVersions | undefined, now: number, every: number, prepublish: number, longestTokenLifetimeMs: number) {
  const versions = stored ? [...stored] : [{ n: 1, activatesAt: now }];
  // A new version is published `prepublish` before it signs; after downtime it still gets that head start.
  while (now >= versions.at(-1)!.activatesAt + every - prepublish) {
    const last = versions.at(-1)!;
    versions.push({ n: last.n + 1, activatesAt: Math.max(last.activatesAt + every, now + prepublish) });
  }
  // Drop versions retired so long ago that no token they signed can still be alive.
  const expired = versions.filter((_, i) => i + 1 < versions.length && versions[i + 1].activatesAt + longestTokenLifetimeMs <= now);
  const kept = versions.filter((v) => !expired.includes(v));
  const changed = stored === undefined || kept.length !== stored.length || kept.some((v, i) => v.n !== stored[i]?.n);
  return { kept, expired, changed };
}

/**
 * Reads the ring from Redis, moves it forward and stores it by compare-and-set; when another
 * node changed it in between, starts again from that node's ring. The first node to share a
 * ring starts from its own ring file, if it has one, so its versions carry over.
 */
async function advanceSharedRing(shared: SharedKeyRings, name: string, file: string, step: (stored: StoredVersions | undefined) => ReturnType<typeof advanceRing>): Promise<StoredVersions> {
  for (let attempt = 1; attempt <= COMPARE_AND_SET_ATTEMPTS; attempt++) {
    const text = await shared.readRing(name);
    const stored = text === undefined ? await readRing(file) : parseRing(text, `the ring of "${name}" in ${shared.describe()}`);
    const next = step(stored);
    if (text !== undefined && !next.changed) return next.kept;
    if (await shared.replaceRing(name, text, ringText(next.kept))) {
      await shared.forget(name, next.expired.map((v) => versionKid(name, v.n)));
      return next.kept;
    }
  }
  throw new KeyLoadError('rotation', `the ring of "${name}" in ${shared.describe()} changed ${COMPARE_AND_SET_ATTEMPTS} times while this node moved it forward; the next reload tries again`);
}

/** Keeps the ring file a copy of the shared ring (a node that starts a ring again starts from it), and deletes the keys it dropped. */
async function mirrorRing(file: string, kept: StoredVersions, dataDir: string, name: string): Promise<void> {
  const local = await readRing(file).catch(() => undefined);
  if (local !== undefined && ringText(local) === ringText(kept)) return;
  await writeRing(file, kept);
  const dropped = (local ?? []).filter((v) => !kept.some((k) => k.n === v.n));
  await Promise.all(dropped.map((v) => removeMaterial(dataDir, versionKid(name, v.n))));
}

/**
 * Makes `<dataDir>/keys/<versionKid>.*` hold the material every node uses: the one in Redis, or
 * this node's (generated by `loadMaterial` if need be) when it is the first to store it.
 */
async function adoptSharedMaterial(shared: SharedKeyRings, config: KeyConfig, kid: string, dataDir: string, loadMaterial: () => Promise<LoadedKey>): Promise<void> {
  // Where key-loader.ts stores a generated key.
  const keyFile = join(dataDir, 'keys', config.generate!.type === 'oct' ? `${kid}.secret` : `${kid}.key.pem`);
  const certificateFile = generatedCertificateFile(dataDir, kid);
  const agreed = await shared.agreeOnMaterial(config.kid, kid, async () => {
    await loadMaterial();
    const certificate = await readStoredFile(certificateFile);
    return { key: (await readStoredFile(keyFile))!, ...(certificate !== undefined && { certificate }) };
  });
  if (agreed === undefined) {
    throw new KeyLoadError('rotation', `the key "${kid}" in ${shared.describe()} was wrapped under another key-wrapping key; every node needs the same one`);
  }
  if ((await readStoredFile(keyFile)) !== agreed.key) {
    await replaceStoredFile(keyFile, agreed.key);
    // A certificate made here for another key would no longer match.
    if (agreed.certificate === undefined) await rm(certificateFile, { force: true });
  }
  if (agreed.certificate !== undefined && (await readStoredFile(certificateFile)) !== agreed.certificate) await replaceStoredFile(certificateFile, agreed.certificate);
}

/** Runs a step that talks to Redis; its failures are reported on the key, so a reload is refused with a reason. */
async function inRedis<T>(shared: SharedKeyRings, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof KeyLoadError) throw error;
    throw new KeyLoadError('rotation', `cannot read or store the shared key ring in ${shared.describe()}: ${(error as Error).message}`);
  }
}

async function readRing(file: string): Promise<StoredVersions | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyLoadError('rotation', `${file}: ${(error as Error).message}`);
  }
  return parseRing(text, file);
}

/** `where` names the file (or the Redis key) in the message. */
function parseRing(text: string, where: string): StoredVersions {
  try {
    const ring = JSON.parse(text) as RingFile;
    const versions = ring.versions.map((v) => ({ n: v.n, activatesAt: Date.parse(v.activates_at) }));
    if (versions.length === 0 || versions.some((v, i) => !Number.isInteger(v.n) || Number.isNaN(v.activatesAt) || (i > 0 && v.activatesAt < versions[i - 1].activatesAt))) {
      throw new Error('inconsistent');
    }
    return versions;
  } catch {
    throw new KeyLoadError('rotation', `${where} is damaged; restore it or delete it (and its .v<n> keys) to start a new ring`);
  }
}

function ringText(versions: StoredVersions): string {
  const ring: RingFile = { versions: versions.map((v) => ({ n: v.n, activates_at: new Date(v.activatesAt).toISOString() })) };
  return `${JSON.stringify(ring, null, 2)}\n`;
}

async function writeRing(file: string, versions: StoredVersions): Promise<void> {
  try {
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, ringText(versions), { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    throw new KeyLoadError('rotation', `cannot store the key ring ${file}: ${(error as Error).message}`);
  }
}

async function removeMaterial(dataDir: string, kid: string): Promise<void> {
  await Promise.all(['key.pem', 'crt.pem', 'secret'].map((ext) => rm(join(dataDir, 'keys', `${kid}.${ext}`), { force: true })));
}
