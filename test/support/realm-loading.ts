/**
 * Realm files loaded as the server loads them at start, without a server: for the load-time
 * refusals (ConfigError naming file, key path and reason). Call inside a describe block: it
 * registers the hooks that remove every configuration directory it wrote.
 */
import { rm } from 'node:fs/promises';
import type { ConfigError } from '../../src/realms/config-problem';
import { loadRealms } from '../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../src/transform/token-type-registry';
import { configErrorOf } from './config-errors';
import { writeConfigDir } from './test-server';

type ConfigDir = Awaited<ReturnType<typeof writeConfigDir>>;
type RealmSet = Awaited<ReturnType<typeof loadRealms>>;

export interface RealmLoading {
  /** Writes the realm files (name -> content) into a new configuration directory. */
  write(realms: Record<string, object | string>): Promise<ConfigDir>;
  /** Writes the realm files and loads them. */
  load(realms: Record<string, object | string>): Promise<RealmSet>;
  /** The ConfigError the load fails with; the test fails when it loads. */
  loadError(realms: Record<string, object | string>): Promise<ConfigError>;
}

/**
 * `sharedDataDir`: one data directory for every load, so each generated key is made once;
 * otherwise each configuration directory has its own.
 */
export function realmLoading(options: { sharedDataDir?: boolean } = {}): RealmLoading {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const roots: string[] = [];
  let sharedDataDir: string | undefined;

  if (options.sharedDataDir) {
    beforeAll(async () => {
      const dir = await writeConfigDir({});
      roots.push(dir.root);
      sharedDataDir = dir.dataDir;
    });
  }
  afterAll(async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  });

  const write = async (realms: Record<string, object | string>): Promise<ConfigDir> => {
    const dir = await writeConfigDir(realms);
    roots.push(dir.root);
    return dir;
  };
  const load = async (realms: Record<string, object | string>): Promise<RealmSet> => {
    const dir = await write(realms);
    return loadRealms({ configDir: dir.configDir, dataDir: sharedDataDir ?? dir.dataDir, env: {}, registry });
  };
  return { write, load, loadError: (realms) => configErrorOf(load(realms)) };
}
