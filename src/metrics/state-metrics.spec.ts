import type { PluginManager, PluginStatus } from '../plugins/plugin-manager.service';
import type { LoadedRealm } from '../realms/loaded-instance';
import type { ConfigurationStatus } from '../realms/configuration-status';
import type { RealmRegistry } from '../realms/realm-registry.service';
import { keyStates, StateMetrics } from './state-metrics';
import { StsMetrics } from './sts-metrics';

const NOW = Date.parse('2026-06-01T00:00:00Z');

function realm(keys: object[], activeRotating: string, publishedKids: string[]): LoadedRealm {
  return {
    path: '/eu',
    settings: { keys },
    keys: { get: () => ({ kid: activeRotating }), jwksAt: () => ({ keys: publishedKids.map((kid) => ({ kid })) }) },
  } as unknown as LoadedRealm;
}

describe('keyStates', () => {
  it('fixed keys are active until retired_at; rotating versions newer than the active one are pending, older retired', () => {
    const r = realm(
      [
        { kid: 'a', use: 'sig' },
        { kid: 'old', use: 'sig', retired_at: '2026-05-01T00:00:00Z' },
        { kid: 'later', use: 'sig', retired_at: '2026-07-01T00:00:00Z' },
        { kid: 'rot', use: 'sig', rotation: { every_days: 30 } },
      ],
      'rot.v2',
      ['a', 'old', 'rot.v1', 'rot.v2', 'rot.v3', 'rotten.v1'],
    );
    expect(keyStates(r, NOW)).toEqual([
      { kid: 'a', state: 'active' },
      { kid: 'old', state: 'retired' },
      { kid: 'later', state: 'active' },
      { kid: 'rot.v2', state: 'active' },
      { kid: 'rot.v1', state: 'retired' },
      { kid: 'rot.v3', state: 'pending' },
    ]);
  });
});

describe('StateMetrics', () => {
  it('reads the current state on every scrape', async () => {
    const metrics = new StsMetrics();
    const realms = { ready: false, reloadFailures: 0, realmSet: undefined, status: undefined } as {
      ready: boolean;
      reloadFailures: number;
      realmSet: unknown;
      status: ConfigurationStatus | undefined;
    };
    let status: PluginStatus[] = [
      { name: 'good', version: '2', loadedVersion: '2' },
      { name: 'stale', version: '3', loadedVersion: '2', error: 'syntax error' },
      { name: 'broken', version: '1', error: 'no entry point' },
    ];
    const workerRestarts = new Map([['busy', new Map([['timeout', 2]])]]);
    new StateMetrics(metrics, realms as unknown as RealmRegistry, { status: () => status, workerRestarts } as unknown as PluginManager);
    const text = async () => metrics.registry.metrics();

    let out = await text();
    expect(out).toContain('sts_config_loaded 0');
    expect(out).not.toMatch(/^sts_config_info\{/m);
    expect(out).toContain('sts_config_loaded_timestamp_seconds 0');
    expect(out).toContain('sts_config_last_reload_refused 0');
    expect(out).toContain('sts_plugin_loaded{plugin="good"} 1');
    expect(out).toContain('sts_plugin_loaded{plugin="stale"} 1');
    expect(out).toContain('sts_plugin_load_error{plugin="stale"} 1');
    expect(out).toContain('sts_plugin_loaded{plugin="broken"} 0');
    expect(out).toContain('sts_plugin_load_error{plugin="good"} 0');
    expect(out).toContain('sts_plugin_worker_restarts_total{plugin="busy",reason="timeout"} 2');

    realms.ready = true;
    realms.reloadFailures = 2;
    realms.realmSet = { realms: [realm([{ kid: 'k', use: 'sig' }], '', ['k'])] };
    status = [];
    out = await text();
    expect(out).toContain('sts_config_loaded 1');
    expect(out).toContain('sts_config_reload_failures_total 2');
    expect(out).toContain('sts_keys_loaded{realm="/eu"} 1');
    expect(out).toContain('sts_key_info{realm="/eu",kid="k",state="active"} 1');
    expect(out).not.toContain('plugin="good"'); // a removed plugin drops out
    realms.reloadFailures = 3;
    workerRestarts.get('busy')!.set('timeout', 3);
    workerRestarts.set('hog', new Map([['out_of_memory', 1]]));
    out = await text();
    expect(out).toContain('sts_config_reload_failures_total 3');
    expect(out).toContain('sts_plugin_worker_restarts_total{plugin="busy",reason="timeout"} 3');
    expect(out).toContain('sts_plugin_worker_restarts_total{plugin="hog",reason="out_of_memory"} 1');
  });

  it('exports the served configuration: its hash, when it was loaded, and whether the last reload was refused', async () => {
    const metrics = new StsMetrics();
    const loadedAt = new Date('2026-06-01T10:00:00.500Z');
    const realms = { ready: true, reloadFailures: 0, status: { state: 'UP', hash: 'a'.repeat(64), loadedAt, files: [] } as ConfigurationStatus };
    new StateMetrics(metrics, realms as unknown as RealmRegistry, { status: () => [], workerRestarts: new Map() } as unknown as PluginManager);

    let out = await metrics.registry.metrics();
    expect(out).toContain(`sts_config_info{hash="${'a'.repeat(64)}"} 1`);
    expect(out).toContain(`sts_config_loaded_timestamp_seconds ${loadedAt.getTime() / 1000}`);
    expect(out).toContain('sts_config_last_reload_refused 0');

    realms.status = { ...realms.status, state: 'STALE', refusedReload: { at: new Date(), problems: [] } };
    expect(await metrics.registry.metrics()).toContain('sts_config_last_reload_refused 1');

    realms.status = { state: 'UP', hash: 'b'.repeat(64), loadedAt, files: [] };
    out = await metrics.registry.metrics();
    expect(out).toContain(`sts_config_info{hash="${'b'.repeat(64)}"} 1`);
    expect(out).not.toContain('a'.repeat(64)); // the replaced configuration's series is gone
    expect(out).toContain('sts_config_last_reload_refused 0');
  });
});
