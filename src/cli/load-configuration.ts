/**
 * Loads a configuration directory with the server's own loaders (server.yaml, plugins, then
 * loadRealms), so the CLI accepts and refuses exactly what start-up does, with the same messages.
 *
 * The data directory is only read: its `keys/` are copied to a private temporary directory
 * (mode 0700, removed afterwards) and the loader runs against the copy. Keys the server would
 * generate on first start, and rotation steps that are due, happen in the copy and are reported,
 * never written to the real data directory.
 */
import 'reflect-metadata';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { folderVersion, loadInProcess, snapshotPlugin } from '../plugins/plugin-loader';
import { ConfigError, formatConfigProblem } from '../realms/config-problem';
import { SharedKeyRings } from '../keys/rotation/shared-key-rings';
import { loadRealms } from '../realms/realm-loader';
import type { RealmSet } from '../realms/realm-set';
import { loadServerConfig } from '../server-config/server-config-loader';
import { requirePluginsFromEnv } from '../server-settings';
import { builtinTokenTypes } from '../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../transform/token-type-registry';

export interface Directories {
  readonly configDir: string;
  readonly dataDir: string;
  readonly pluginsDir: string;
}

export interface LoadedConfiguration {
  readonly realms: RealmSet;
  /** Key files missing from the data directory: the server would generate them on start. */
  readonly keysToGenerate: string[];
  /**
   * Plugins that failed to load, and instances bound to plugins that are not loaded: the server
   * starts anyway (unless STS_REQUIRE_PLUGINS=true), and those requests answer 503.
   */
  readonly pluginWarnings: string[];
}

export const DIRECTORY_OPTIONS = {
  'config-dir': { type: 'string' },
  'data-dir': { type: 'string' },
  'plugins-dir': { type: 'string' },
} as const;

export const DIRECTORY_HELP = `  --config-dir DIR    default $STS_CONFIG_DIR, else ./config
  --data-dir DIR      default $STS_DATA_DIR, else ./data; only read: keys the server would generate
                      on first start are generated in a temporary copy and never written here
  --plugins-dir DIR   default $STS_PLUGINS_DIR, else ./plugins`;

/** The directories as the server resolves them: option, else environment, else its default. */
export function directories(values: { 'config-dir'?: string; 'data-dir'?: string; 'plugins-dir'?: string }): Directories {
  const env = process.env;
  return {
    configDir: resolve(values['config-dir'] || env.STS_CONFIG_DIR || 'config'),
    dataDir: resolve(values['data-dir'] || env.STS_DATA_DIR || 'data'),
    pluginsDir: resolve(values['plugins-dir'] || env.STS_PLUGINS_DIR || 'plugins'),
  };
}

/** Throws ConfigError with the server's messages, or resolves to the loaded configuration. */
export async function loadConfiguration(dirs: Directories): Promise<LoadedConfiguration> {
  // server.yaml first, as at start-up (TokensModule). The token store itself is not opened.
  const { publicBaseUrl, tokenStore } = loadServerConfig(dirs.configDir);
  // A rotating key with the Redis store and no key-wrapping key is refused as at start-up; with
  // one, the rings are checked from the data directory: nothing is read from or written to Redis.
  const backend = tokenStore.backend;
  const sharing = backend.type === 'redis' && backend.keyWrappingKey === undefined ? { sharedKeyRings: new SharedKeyRings(backend) } : {};
  const scratch = await mkdtemp(join(tmpdir(), 'rest-sts-cli-'));
  try {
    const keysBefore = await copyKeys(dirs.dataDir, scratch);
    const registry = new TokenTypeRegistry([builtinTokenTypes()]);
    const { folders, failures } = await loadPlugins(dirs.pluginsDir, join(scratch, 'plugin-snapshots'), registry);
    const pluginWarnings = [...failures].map(([name, reason]) => `plugin ${join(dirs.pluginsDir, name)} failed to load: ${reason}; instances that use it would answer 503`);
    const plugins = { dir: dirs.pluginsDir, loadError: (name: string) => failures.get(name), names: () => folders };
    let realms: RealmSet;
    try {
      realms = await loadRealms({ configDir: dirs.configDir, dataDir: scratch, env: process.env, registry, plugins, requirePlugins: requirePluginsFromEnv(process.env), publicBaseUrl, ...sharing });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Messages about generated key files name the real data directory, as the server's would.
      throw new ConfigError(error.problems.map((p) => ({ ...p, message: p.message.replaceAll(scratch, dirs.dataDir) })));
    }
    const keysAfter = await keyFiles(scratch);
    const keysToGenerate = keysAfter.filter((name) => !keysBefore.includes(name) && !name.endsWith('.ring.json')).sort();
    return { realms, keysToGenerate, pluginWarnings: [...pluginWarnings, ...realms.warnings.map(formatConfigProblem)] };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Copies `<dataDir>/keys` (if any) into the scratch directory; returns the file names copied. */
async function copyKeys(dataDir: string, scratch: string): Promise<string[]> {
  const source = join(dataDir, 'keys');
  const names = await keyFiles(dataDir);
  // Left-over temporary files of an interrupted write are not keys.
  if (names.length > 0) await cp(source, join(scratch, 'keys'), { recursive: true, filter: (path) => !path.endsWith('.tmp') });
  return names;
}

async function keyFiles(dataDir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'keys'), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && !e.name.endsWith('.tmp')).map((e) => e.name);
}

/** Every plugin folder, loaded as the server's PluginManager does, but snapshotted in scratch; with name -> why it failed. */
async function loadPlugins(
  pluginsDir: string,
  snapshotsDir: string,
  registry: TokenTypeRegistry,
): Promise<{ folders: string[]; failures: Map<string, string> }> {
  const failures = new Map<string, string>();
  const entries = await readdir(pluginsDir, { withFileTypes: true }).catch(() => []);
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of folders) {
    const folder = join(pluginsDir, entry.name);
    try {
      registry.setPlugin(await loadInProcess(await snapshotPlugin(folder, await folderVersion(folder), snapshotsDir)));
    } catch (error) {
      failures.set(entry.name, (error as Error)?.message ?? String(error));
    }
  }
  return { folders: folders.map((entry) => entry.name), failures };
}

/** A ConfigError as the server prints it at start-up, headed for a command instead of the server. */
export function printConfigError(command: string, error: ConfigError): void {
  process.stderr.write(`rest-sts ${command}: configuration error; the server would not start:\n${error.message}\n`);
}

/** Loads, or prints the configuration problems and returns undefined (the command exits 1). */
export async function loadOrReport(command: string, dirs: Directories): Promise<LoadedConfiguration | undefined> {
  try {
    const loaded = await loadConfiguration(dirs);
    for (const warning of loaded.pluginWarnings) process.stderr.write(`rest-sts ${command}: warning: ${warning}\n`);
    return loaded;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    printConfigError(command, error);
    return undefined;
  }
}
