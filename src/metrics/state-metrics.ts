/**
 * Gauges for what the server has loaded: configuration, realm keys and plugins. Each one reads
 * the current state when Prometheus scrapes (a collect() callback), so nothing is bookkept on
 * reloads and a value can never drift from what is actually served.
 */
import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { PluginManager } from '../plugins/plugin-manager.service';
import { RealmRegistry } from '../realms/realm-registry.service';
import type { LoadedRealm } from '../realms/loaded-instance';
import { StsMetrics } from './sts-metrics';
import { tokenPools } from '../keys/pkcs11/token-pools';

export type KeyState = 'pending' | 'active' | 'retired';

@Injectable()
export class StateMetrics {
  constructor(
    @Inject(StsMetrics) metrics: StsMetrics,
    realms: RealmRegistry,
    plugins: PluginManager,
  ) {
    const registers = [metrics.registry];
    new Counter({
      name: 'sts_hsm_calls_total',
      help: 'Signatures asked of PKCS#11 tokens, by result: ok, error (the token failed or is gone) or timeout (no answer within call_timeout_ms).',
      labelNames: ['token', 'result'] as const,
      registers,
      collect() {
        this.reset();
        for (const pool of tokenPools()) {
          for (const [result, count] of Object.entries(pool.calls)) this.inc({ token: pool.label, result }, count);
        }
      },
    });
    new Gauge({
      name: 'sts_hsm_token_up',
      help: '1 while a PKCS#11 token holding realm keys answers, 0 while it is down.',
      labelNames: ['token'] as const,
      registers,
      collect() {
        this.reset();
        for (const pool of tokenPools()) this.set({ token: pool.label }, pool.state === 'UP' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'sts_config_loaded',
      help: '1 once a realm configuration is loaded and served, else 0.',
      registers,
      collect() {
        this.set(realms.ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'sts_config_info',
      help: 'Value 1, labelled with the SHA-256 of the realm files being served (cd $STS_CONFIG_DIR && LC_ALL=C sha256sum realms/*.yaml | sha256sum).',
      labelNames: ['hash'] as const,
      registers,
      collect() {
        this.reset(); // The previous hash disappears when a reload replaces it.
        const status = realms.status;
        if (status) this.set({ hash: status.hash }, 1);
      },
    });
    new Gauge({
      name: 'sts_config_loaded_timestamp_seconds',
      help: 'When the configuration being served was loaded (Unix time), 0 before the first load.',
      registers,
      collect() {
        this.set((realms.status?.loadedAt.getTime() ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'sts_config_last_reload_refused',
      help: '1 while the last reload was refused, so the files on disk differ from the configuration served (readiness: configuration STALE), else 0.',
      registers,
      collect() {
        this.set(realms.status?.refusedReload ? 1 : 0);
      },
    });
    let failuresSeen = 0;
    new Counter({
      name: 'sts_config_reload_failures_total',
      help: 'Configuration reloads refused (the previous configuration kept serving).',
      registers,
      collect() {
        this.inc(realms.reloadFailures - failuresSeen);
        failuresSeen = realms.reloadFailures;
      },
    });
    const restartsSeen = new Map<string, number>();
    new Counter({
      name: 'sts_plugin_worker_restarts_total',
      help: "Plugin worker threads replaced, by plugin and reason: timeout (a call went past its time limit), out_of_memory (past its heap limit), crashed (it exited or threw outside a call).",
      labelNames: ['plugin', 'reason'] as const,
      registers,
      collect() {
        for (const [plugin, byReason] of plugins.workerRestarts) {
          for (const [reason, count] of byReason) {
            const key = `${plugin}\u0000${reason}`;
            this.inc({ plugin, reason }, count - (restartsSeen.get(key) ?? 0));
            restartsSeen.set(key, count);
          }
        }
      },
    });
    new Gauge({
      name: 'sts_keys_loaded',
      help: 'Keys of a realm currently loaded (pending, active and retired versions still published).',
      labelNames: ['realm'] as const,
      registers,
      collect() {
        this.reset(); // A realm removed by a reload disappears from the output.
        for (const realm of realms.realmSet?.realms ?? []) this.set({ realm: realm.path }, keyStates(realm).length);
      },
    });
    new Gauge({
      name: 'sts_key_info',
      help: 'One series per loaded realm key, value 1: its kid and whether it is pending, active or retired.',
      labelNames: ['realm', 'kid', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const realm of realms.realmSet?.realms ?? []) {
          for (const { kid, state } of keyStates(realm)) this.set({ realm: realm.path, kid, state }, 1);
        }
      },
    });
    new Gauge({
      name: 'sts_plugin_loaded',
      help: '1 while a version of the plugin serves requests, else 0 (it failed to load, or was never loaded).',
      labelNames: ['plugin'] as const,
      registers,
      collect() {
        this.reset();
        for (const plugin of plugins.status()) this.set({ plugin: plugin.name }, plugin.loadedVersion ? 1 : 0);
      },
    });
    new Gauge({
      name: 'sts_plugin_load_error',
      help: '1 when the current folder version of the plugin failed to load (an older version may still serve), else 0.',
      labelNames: ['plugin'] as const,
      registers,
      collect() {
        this.reset();
        for (const plugin of plugins.status()) this.set({ plugin: plugin.name }, plugin.error ? 1 : 0);
      },
    });
  }
}

/**
 * The realm's keys and their rollover state, from its configuration and loaded RealmKeys: a
 * fixed key is retired from `retired_at`; a rotating key lists the version that signs now and
 * the other published versions (newer: pending, older: retired).
 */
export function keyStates(realm: LoadedRealm, now = Date.now()): { kid: string; state: KeyState }[] {
  const published = realm.keys.jwksAt(now).keys.map((jwk) => jwk.kid ?? '');
  return realm.settings.keys.flatMap((config) => {
    if (!config.rotation) {
      const retired = config.retired_at !== undefined && Date.parse(config.retired_at) <= now;
      return [{ kid: config.kid, state: retired ? 'retired' : 'active' }];
    }
    const active = realm.keys.get(config.kid)?.kid ?? config.kid;
    const activeVersion = versionOf(active);
    const versions = published.filter((kid) => kid.startsWith(`${config.kid}.v`) && kid !== active);
    return [
      { kid: active, state: 'active' as const },
      ...versions.map((kid) => ({ kid, state: versionOf(kid) > activeVersion ? ('pending' as const) : ('retired' as const) })),
    ];
  });
}

function versionOf(kid: string): number {
  return Number(/\.v(\d+)$/.exec(kid)?.[1] ?? 0);
}
