/**
 * Keeps the registry in step with `plugins/`: loads every folder at start, then adds, replaces
 * and removes plugins as folders change, without a restart. A plugin that fails to load is
 * reported with its folder and reason; only instances bound to it answer 503, and a failed
 * replacement keeps the previous version serving.
 *
 * Each plugin runs in its own worker threads (see isolation/), unless server.yaml says
 * `isolation: none` for it. A replaced or removed version's workers finish their calls in flight
 * and are then ended, so old versions do not stay in memory.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { displayPath } from '../common/display-path';
import { DebouncedWatch, watchDebounced } from '../common/debounced-watch';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import type { PluginFolders } from '../realms/plugin-binding-checks';
import { SERVER_CONFIG, type PluginRunSettings, type ServerConfig } from '../server-config/server-config';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { loadIsolatedPlugin } from './isolation/isolated-plugin';
import type { PluginWorkerPool, RestartReason } from './isolation/plugin-worker-pool';
import { folderVersion, loadInProcess, snapshotPlugin } from './plugin-loader';

const RESCAN_DEBOUNCE_MS = 300;

export interface PluginStatus {
  readonly name: string;
  /** Content version of the folder as last seen. */
  readonly version: string;
  /** The version serving requests, if any. */
  readonly loadedVersion?: string;
  readonly error?: string;
  /** How the loaded version runs. */
  readonly isolation?: PluginRunSettings['isolation'];
}

/** Heap of each plugin worker, unless server.yaml says otherwise. */
const DEFAULT_MAX_HEAP_MB = 256;
/** Young generation of each plugin worker: without a bound V8 lets a busy worker's grow to 32 MiB. */
const DEFAULT_MAX_YOUNG_HEAP_MB = 8;
const DEFAULT_MAX_QUEUED_CALLS = 1000;
/** Plugin workers' nice steps below the server thread: CPU-heavy plugins yield to HTTP. */
const DEFAULT_NICE = 10;

@Injectable()
export class PluginManager implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown, PluginFolders {
  private readonly logger = new Logger('Plugins');
  private readonly plugins = new Map<string, PluginStatus>();
  private watcher: DebouncedWatch | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private started: Promise<void> | undefined;
  /** The worker pool of each isolated plugin's loaded version. */
  private readonly pools = new Map<string, PluginWorkerPool>();
  /** Worker restarts by plugin and reason, since start (read by the metrics). */
  readonly workerRestarts = new Map<string, Map<RestartReason, number>>();

  constructor(
    @Inject(SERVER_SETTINGS) private readonly settings: ServerSettings,
    private readonly registry: TokenTypeRegistry,
    @Optional() @Inject(SERVER_CONFIG) private readonly serverConfig?: ServerConfig,
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

  /** After the HTTP server has drained: the requests in flight still needed their plugins' workers. */
  onApplicationShutdown(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  /** How plugin `name` runs: its server.yaml entry, then plugin_defaults, then the built-in defaults. */
  runSettings(name: string): PluginRunSettings {
    const configured = this.serverConfig?.pluginIsolation;
    return {
      isolation: 'worker',
      // One worker per core the server's own thread leaves free, at least one, at most four.
      workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
      callTimeoutMs: this.settings.tokenTimeoutMs,
      maxHeapMb: DEFAULT_MAX_HEAP_MB,
      maxYoungHeapMb: DEFAULT_MAX_YOUNG_HEAP_MB,
      maxQueuedCalls: DEFAULT_MAX_QUEUED_CALLS,
      nice: DEFAULT_NICE,
      ...configured?.defaults,
      ...configured?.byName.get(name),
    };
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
        this.retire(name);
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
        const start = await snapshotPlugin(folder, version, this.snapshotsDir);
        const run = this.runSettings(name);
        const isolated = run.isolation === 'worker' ? await loadIsolatedPlugin(start, run, (reason) => this.countRestart(name, reason)) : undefined;
        const manifest = isolated?.manifest ?? (await loadInProcess(start));
        this.registry.setPlugin(manifest);
        this.retire(name);
        if (isolated) this.pools.set(name, isolated.pool);
        this.plugins.set(name, { name, version, loadedVersion: version, isolation: run.isolation });
        const how = run.isolation === 'worker' ? `in ${run.workers} worker thread(s)` : 'in the server thread (isolation: none)';
        this.logger.log(`Plugin ${name} ${previous ? 'replaced' : 'loaded'} (version ${version}, ${how})`);
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

  /** The loaded version's workers finish what they are doing, then end. */
  private retire(name: string): void {
    const pool = this.pools.get(name);
    this.pools.delete(name);
    void pool?.drain();
  }

  private countRestart(name: string, reason: RestartReason): void {
    const byReason = this.workerRestarts.get(name) ?? new Map<RestartReason, number>();
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    this.workerRestarts.set(name, byReason);
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
