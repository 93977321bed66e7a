/**
 * Holds the current configuration and swaps it whole when realm files change. A reload that
 * fails validation keeps the last good configuration and logs why. Requests keep the
 * LoadedInstance they started with, so a swap never changes a request midway.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { DebouncedWatch, watchDebounced } from '../common/debounced-watch';
import { PluginManager } from '../plugins/plugin-manager.service';
import { SharedKeyRings } from '../keys/rotation/shared-key-rings';
import { PUBLIC_BASE_URL, SERVER_CONFIG, type ServerConfig } from '../server-config/server-config';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { ConfigError, type ConfigProblem, formatConfigProblem } from './config-problem';
import type { ConfigurationStatus, RefusedReload } from './configuration-status';
import { documentLocations, mapsOntoServer } from './issuers';
import type { LoadedInstance } from './loaded-instance';
import { pluginBindingProblems } from './plugin-binding-checks';
import { realmsDirectory } from './realm-file-reader';
import { loadRealms } from './realm-loader';
import type { RealmSet } from './realm-set';

const RELOAD_DEBOUNCE_MS = 200;

export type ReloadOutcome = { applied: true } | { applied: false; error: ConfigError };

@Injectable()
export class RealmRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Realms');
  private current: RealmSet | undefined;
  private watcher: DebouncedWatch | undefined;
  private keyEventTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<ReloadOutcome> = Promise.resolve({ applied: true });
  private loadedAt = new Date(0);
  /** Set while the files on disk differ from what is served because their reload was refused. */
  private refusedReload: RefusedReload | undefined;
  /** Reloads refused since start (read by the metrics). */
  reloadFailures = 0;
  /** Issuer mapping lines already logged, so a reload repeats only what changed. */
  private loggedMappings = new Set<string>();

  constructor(
    @Inject(SERVER_SETTINGS) private readonly settings: ServerSettings,
    private readonly tokenTypes: TokenTypeRegistry,
    private readonly plugins: PluginManager,
    /** server.yaml's public_base_url, resolved; the base of every endpoint URL in the metadata documents. */
    @Optional() @Inject(PUBLIC_BASE_URL) readonly publicBaseUrl: string = 'http://127.0.0.1:8080',
    @Optional() @Inject(SERVER_CONFIG) serverConfig?: ServerConfig,
  ) {
    // With a Redis token store, nodes share their rotating keys' rings through it.
    const backend = serverConfig?.tokenStore.backend;
    this.sharedKeyRings = backend?.type === 'redis' ? new SharedKeyRings(backend) : undefined;
  }

  private readonly sharedKeyRings: SharedKeyRings | undefined;

  /** Throws ConfigError: a bad configuration at start stops the server. */
  async onModuleInit(): Promise<void> {
    // Plugins first, so the configuration checks of plugin validators and token providers run.
    await this.plugins.start();
    this.serve(await this.load());
    this.scheduleKeyEvents();
    this.logger.log(`Serving ${this.instancePaths().length} STS instance(s): ${this.instancePaths().join(', ')}`);
    if (this.settings.watchConfig) this.startWatching();
  }

  async onModuleDestroy(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.keyEventTimer);
    await this.sharedKeyRings?.close();
  }

  instance(path: string): LoadedInstance | undefined {
    return this.current?.instance(path);
  }

  /** The configuration being served; replaced whole by each successful reload. */
  get realmSet(): RealmSet | undefined {
    return this.current;
  }

  get ready(): boolean {
    return this.current !== undefined;
  }

  /** What is served and whether the files on disk still match it; undefined before the first load. */
  get status(): ConfigurationStatus | undefined {
    if (!this.current) return undefined;
    return {
      state: this.refusedReload ? 'STALE' : 'UP',
      hash: this.current.hash,
      loadedAt: this.loadedAt,
      files: this.current.realms.map((realm) => realm.file),
      refusedReload: this.refusedReload,
    };
  }

  /** Bindings to plugins that are not loaded, as of now (plugins come and go without a reload). */
  unavailablePlugins(): ConfigProblem[] {
    return pluginBindingProblems(this.current?.instances ?? [], this.tokenTypes, this.plugins, false);
  }

  /** Re-reads every realm file; reloads run one at a time, in order. */
  reload(why: 'files' | 'key schedule' = 'files'): Promise<ReloadOutcome> {
    this.reloading = this.reloading.then(() => this.reloadNow(why));
    return this.reloading;
  }

  private async reloadNow(why: 'files' | 'key schedule'): Promise<ReloadOutcome> {
    try {
      const kidsBefore = this.servedKids();
      this.serve(await this.load());
      this.scheduleKeyEvents();
      // Key-schedule reloads run every few minutes with shared rings: say so only when keys moved on.
      if (why === 'files' || this.servedKids() !== kidsBefore) this.logger.log(`Configuration reloaded: ${this.instancePaths().join(', ')}`);
      return { applied: true };
    } catch (caught) {
      // Anything else (an unreadable file, a read racing an editor's save) must not reject: a
      // rejected reload would stop every later one (they chain) and crash the watcher's caller.
      const error =
        caught instanceof ConfigError
          ? caught
          : new ConfigError([
              { file: realmsDirectory(this.settings.configDir), path: '', message: caught instanceof Error ? caught.message : String(caught) },
            ]);
      this.reloadFailures++;
      this.refusedReload = { at: new Date(), problems: error.problems };
      this.logger.error(`Configuration reload refused; keeping the previous configuration:\n${error.message}`);
      return { applied: false, error };
    }
  }

  /**
   * Loads the configuration as a reload would, with `overrides` (absolute file path -> text) read
   * instead of those files, without serving it: the admin API's check of an edit. Throws ConfigError.
   */
  load(overrides?: ReadonlyMap<string, string>): Promise<RealmSet> {
    const { configDir, dataDir, requirePlugins } = this.settings;
    return loadRealms({
      configDir,
      dataDir,
      env: process.env,
      registry: this.tokenTypes,
      plugins: this.plugins,
      requirePlugins,
      overrides,
      publicBaseUrl: this.publicBaseUrl,
      ...(this.sharedKeyRings && { sharedKeyRings: this.sharedKeyRings }),
    });
  }

  private serve(loaded: RealmSet): void {
    this.current = loaded;
    this.loadedAt = new Date();
    this.refusedReload = undefined;
    for (const warning of loaded.warnings) this.logger.warn(`Configuration warning: ${formatConfigProblem(warning)}`);
    this.logIssuerMappings(loaded);
  }

  /**
   * An issuer whose URL is not under public_base_url (another host, or a path outside it) has its
   * documents served here at other paths: a reverse proxy must map them. Says where, once.
   */
  private logIssuerMappings(loaded: RealmSet): void {
    const lines = new Set<string>();
    for (const issuer of loaded.issuers.issuers) {
      if (mapsOntoServer(issuer, this.publicBaseUrl)) continue;
      const where = documentLocations(issuer).map(({ url, route }) => `${url} is served here at ${route}`);
      lines.add(`Issuer ${issuer.issuer} is not under public_base_url ${this.publicBaseUrl}: ${where.join('; ')}. Map these URLs to those paths in the reverse proxy.`);
    }
    for (const line of lines) if (!this.loggedMappings.has(line)) this.logger.log(line);
    this.loggedMappings = lines;
  }

  /**
   * Rotating keys move on by time (a new version to pre-publish, an old one to drop): reload when
   * the next step is due. Checked at least daily; timers cannot wait longer than about 24 days.
   */
  private scheduleKeyEvents(): void {
    clearTimeout(this.keyEventTimer);
    const next = Math.min(...(this.current?.realms.map((realm) => realm.keys.nextKeyEventAt()) ?? []));
    if (!Number.isFinite(next)) return;
    const delay = Math.min(Math.max(next - Date.now(), 1000), 86_400_000);
    this.keyEventTimer = setTimeout(() => void this.reload('key schedule'), delay);
    this.keyEventTimer.unref();
  }

  private startWatching(): void {
    this.watcher = watchDebounced(
      this.settings.configDir,
      RELOAD_DEBOUNCE_MS,
      () => void this.reload(),
      (error) => this.logger.error(`Watching ${this.settings.configDir} failed: ${error.message}`),
      (name) => /(^|\/)\.|~$|\.tmp$|\.swp$/.test(name), // editor and temp files
    );
  }

  /** Every key version each realm signs with or publishes, as one comparable string. */
  private servedKids(): string {
    return (this.current?.realms ?? []).map((realm) => realm.keys.snapshot().keys.map((key) => key.kid).join(',')).join(';');
  }

  private instancePaths(): string[] {
    return this.current?.instances.map((i) => i.instance.path) ?? [];
  }
}
