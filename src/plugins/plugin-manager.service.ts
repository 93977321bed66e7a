/**
 * Keeps the registry in step with `plugins/`: loads every folder at start, then adds, replaces
 * and removes plugins as folders change, without a restart. A plugin that fails to load is
 * reported with its folder and reason; only instances bound to it answer 503, and a failed
 * replacement keeps the previous version serving.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { displayPath } from '../common/display-path';
import { DebouncedWatch, watchDebounced } from '../common/debounced-watch';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import type { PluginFolders } from '../realms/plugin-binding-checks';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { folderVersion, loadPlugin } from './plugin-loader';

const RESCAN_DEBOUNCE_MS = 300;

export interface PluginStatus {
  readonly name: string;
  /** Content version of the folder as last seen. */
  readonly version: string;
  /** The version serving requests, if any. */
  readonly loadedVersion?: string;
  readonly error?: string;
}

@Injectable()
export class PluginManager implements OnModuleInit, OnModuleDestroy, PluginFolders {
  private readonly logger = new Logger('Plugins');
  private readonly plugins = new Map<string, PluginStatus>();
  private watcher: DebouncedWatch | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private started: Promise<void> | undefined;

  constructor(
    @Inject(SERVER_SETTINGS) private readonly settings: ServerSettings,
    private readonly registry: TokenTypeRegistry,
  ) {}

  private get snapshotsDir(): string {
    return join(this.settings.dataDir, 'plugin-snapshots');
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  /** Loads every plugin once; safe to call from anything that needs plugins loaded first. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await rm(this.snapshotsDir, { recursive: true, force: true });
      await mkdir(this.settings.pluginsDir, { recursive: true });
      await this.rescan();
      if (this.settings.watchPlugins) this.startWatching();
    })();
    return this.started;
  }

  onModuleDestroy(): void {
    this.watcher?.close();
  }

  status(): PluginStatus[] {
    return [...this.plugins.values()];
  }

  /** STS_PLUGINS_DIR (PluginFolders, for the realm loader's plugin checks). */
  get dir(): string {
    return this.settings.pluginsDir;
  }

  /** Why the folder's current version failed to load, if it did. */
  loadError(name: string): string | undefined {
    return this.plugins.get(name)?.error;
  }

  /** The plugin folders seen by the last scan. */
  names(): string[] {
    return [...this.plugins.keys()];
  }

  /** Brings the registry in line with the folder; scans run one at a time. */
  rescan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.rescanNow());
    return this.scanning;
  }

  private async rescanNow(): Promise<void> {
    const folders = await this.pluginFolders();
    for (const name of this.plugins.keys()) {
      if (!folders.includes(name)) {
        this.registry.removePlugin(name);
        this.plugins.delete(name);
        this.logger.log(`Plugin ${name} removed`);
      }
    }
    for (const name of folders) await this.refresh(name);
  }

  private async refresh(name: string): Promise<void> {
    const folder = join(this.settings.pluginsDir, name);
    const previous = this.plugins.get(name);
    try {
      const version = await folderVersion(folder);
      if (previous?.version === version) return;
      try {
        const manifest = await loadPlugin(folder, version, this.snapshotsDir);
        this.registry.setPlugin(manifest);
        this.plugins.set(name, { name, version, loadedVersion: version });
        this.logger.log(`Plugin ${name} ${previous ? 'replaced' : 'loaded'} (version ${version})`);
      } catch (error) {
        const reason = (error as Error)?.message ?? String(error);
        this.plugins.set(name, { name, version, loadedVersion: previous?.loadedVersion, error: reason });
        const kept = previous?.loadedVersion ? `; keeping version ${previous.loadedVersion}` : '; instances that use it answer 503';
        this.logger.error(`Plugin ${displayPath(folder)} failed to load: ${reason}${kept}`);
      }
    } catch (error) {
      // The folder vanished or is unreadable mid-scan; the next change event tries again.
      this.logger.warn(`Plugin ${displayPath(folder)} could not be read: ${(error as Error).message}`);
    }
  }

  private async pluginFolders(): Promise<string[]> {
    const entries = await readdir(this.settings.pluginsDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  }

  private startWatching(): void {
    this.watcher = watchDebounced(
      this.settings.pluginsDir,
      RESCAN_DEBOUNCE_MS,
      () => void this.rescan(),
      (error) => this.logger.error(`Watching ${this.settings.pluginsDir} failed: ${error.message}`),
    );
  }
}
