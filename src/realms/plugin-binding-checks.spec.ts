import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { oidcInstance, rootRealm } from '../../test/support/realm-fixtures';
import { writeConfigDir } from '../../test/support/test-server';
import { STS_CONTRACT_VERSION } from '../plugin-api/token-contract';
import { builtinTokenTypes } from '../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { ConfigError } from './config-problem';
import { LoadedInstance, type LoadedRealm } from './loaded-instance';
import { type PluginFolders, pluginBindingProblems } from './plugin-binding-checks';
import { loadRealms } from './realm-loader';
import type { InstanceConfig } from './schema/instance-config';

const PLUGINS_DIR = join(process.cwd(), 'plugins-under-test');
const realm = { path: '/eu', file: 'config/realms/eu.yaml' } as LoadedRealm;

function instance(name: string, validators: Record<string, string>, providers: Record<string, string> = {}): LoadedInstance {
  const settings = { supported_token_transforms: [], custom_token_validators: validators, custom_token_providers: providers } as unknown as InstanceConfig;
  return new LoadedInstance(realm, name, settings);
}

function registryWith(...plugins: { name: string; validators?: object; providers?: object }[]): TokenTypeRegistry {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  for (const plugin of plugins) registry.setPlugin({ contractVersion: STS_CONTRACT_VERSION, ...plugin } as never);
  return registry;
}

const folders = (failures: Record<string, string> = {}, names: string[] = Object.keys(failures)): PluginFolders => ({
  dir: PLUGINS_DIR,
  loadError: (name) => failures[name],
  names: () => names,
});

describe('pluginBindingProblems', () => {
  it('names the instance, token type, role, plugin and the folder looked for when there is no such folder', () => {
    expect(pluginBindingProblems([instance('partners', { CUSTOM: 'ticket' })], registryWith(), folders(), false)).toEqual([
      {
        file: 'config/realms/eu.yaml',
        path: 'instances.partners.custom_token_validators.CUSTOM',
        message:
          'plugin "ticket" (the CUSTOM validator of instance /eu/partners) is not loaded: there is no folder plugins-under-test/ticket (STS_PLUGINS_DIR); ' +
          'CUSTOM requests to /eu/partners answer 503 plugin_unavailable until it loads (STS_REQUIRE_PLUGINS=true refuses this)',
      },
    ]);
  });

  it('suggests a plugin folder with a near name', () => {
    const [problem] = pluginBindingProblems([instance('p', { CUSTOM: 'example-custm' })], registryWith(), folders({}, ['example-custom', 'other']), false);
    expect(problem.message).toContain('there is no folder plugins-under-test/example-custm (STS_PLUGINS_DIR); did you mean `example-custom`?;');
  });

  it('says why a folder that is there failed to load, and words it as the refusal when plugins are required', () => {
    const [problem] = pluginBindingProblems([instance('p', {}, { TICKET: 'broken' })], registryWith(), folders({ broken: 'index.js failed to load: Unexpected token' }), true);
    expect(problem).toEqual({
      file: 'config/realms/eu.yaml',
      path: 'instances.p.custom_token_providers.TICKET',
      message:
        'plugin "broken" (the TICKET token provider of instance /eu/p) is not loaded: plugins-under-test/broken failed to load: index.js failed to load: Unexpected token; ' +
        'STS_REQUIRE_PLUGINS=true refuses a configuration bound to a plugin that is not loaded',
    });
  });

  it('names a loaded plugin that lacks the type, and accepts a binding the plugin serves', () => {
    const registry = registryWith({ name: 'tickets', validators: { TICKET: { validateToken: () => ({ principal: 'x' }) } } });
    expect(pluginBindingProblems([instance('p', { TICKET: 'tickets' })], registry, folders(), false)).toEqual([]);
    const [problem] = pluginBindingProblems([instance('p', {}, { TICKET: 'tickets' })], registry, folders(), false);
    expect(problem.message).toMatch(/^plugin "tickets" \(the TICKET token provider of instance \/eu\/p\) is loaded from plugins-under-test\/tickets but has no token provider for TICKET; /);
  });
});

describe('loadRealms with plugin folders', () => {
  let dir: Awaited<ReturnType<typeof writeConfigDir>>;
  beforeAll(async () => {
    const realm = await rootRealm();
    const custom = { ...oidcInstance('RS256', 'rsa-1'), supported_token_transforms: [{ from: 'CUSTOM', to: 'OPENIDCONNECT' }], custom_token_validators: { CUSTOM: 'absent' } };
    dir = await writeConfigDir({ root: { ...realm, instances: { ...(realm.instances as object), custom } } });
  });
  afterAll(() => rm(dir.root, { recursive: true, force: true }));
  const load = (requirePlugins: boolean) =>
    loadRealms({ ...dir, env: {}, registry: new TokenTypeRegistry([builtinTokenTypes()]), plugins: folders(), requirePlugins });

  it('loads, with the binding as a warning, by default', async () => {
    const loaded = await load(false);
    expect(loaded.instance('/custom')).toBeDefined();
    expect(loaded.warnings).toEqual([expect.objectContaining({ path: 'instances.custom.custom_token_validators.CUSTOM', message: expect.stringContaining('plugin "absent"') })]);
  });

  it('refuses the configuration with STS_REQUIRE_PLUGINS=true', async () => {
    const error = await load(true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/realms\/root\.yaml$/),
        path: 'instances.custom.custom_token_validators.CUSTOM',
        message: expect.stringMatching(/^plugin "absent" .*; STS_REQUIRE_PLUGINS=true refuses a configuration bound to a plugin that is not loaded$/),
      }),
    ]);
  });
});
