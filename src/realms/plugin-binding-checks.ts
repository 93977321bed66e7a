/**
 * Instances that bind a token type to a plugin which is not loaded (no such folder, or a folder
 * that failed to load). Such an instance loads, and its requests for that type answer 503
 * plugin_unavailable until the plugin appears; these problems say so at load, as warnings, or as
 * errors with STS_REQUIRE_PLUGINS=true. Plugins load before realms, so the answer is current.
 */
import { join } from 'node:path';
import { closestName } from '../common/closest-name';
import { displayPath } from '../common/display-path';
import type { TokenTypeRegistry } from '../transform/token-type-registry';
import { type ConfigProblem, joinPath } from './config-problem';
import type { LoadedInstance } from './loaded-instance';

/** What the loader is told about the plugin folders, to say why a plugin is not there. */
export interface PluginFolders {
  /** STS_PLUGINS_DIR, absolute. */
  readonly dir: string;
  /** Why `<dir>/<name>` failed to load, when it did and no earlier version serves; else undefined. */
  loadError(name: string): string | undefined;
  /** The plugin folders there are, for "did you mean". */
  names(): readonly string[];
}

const BINDINGS = [
  { key: 'custom_token_validators', role: 'validator' },
  { key: 'custom_token_providers', role: 'token provider' },
] as const;

/** `required` (STS_REQUIRE_PLUGINS=true) words them as the reason the configuration is refused. */
export function pluginBindingProblems(
  instances: readonly LoadedInstance[],
  registry: TokenTypeRegistry,
  plugins: PluginFolders,
  required: boolean,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const loaded of instances) {
    const { settings, name, path } = loaded.instance;
    for (const { key, role } of BINDINGS) {
      for (const [tokenType, plugin] of Object.entries(settings[key])) {
        const resolution = key === 'custom_token_validators' ? registry.resolveValidator(settings, tokenType) : registry.resolveProvider(settings, tokenType);
        if (resolution.status !== 'unavailable') continue;
        const folder = displayPath(join(plugins.dir, plugin));
        const loadError = plugins.loadError(plugin);
        const state = registry.hasPlugin(plugin)
          ? `is loaded from ${folder} but has no ${role} for ${tokenType}`
          : loadError !== undefined
            ? `is not loaded: ${folder} failed to load: ${loadError}`
            : `is not loaded: there is no folder ${folder} (STS_PLUGINS_DIR)${didYouMean(plugin, plugins.names())}`;
        problems.push({
          file: loaded.realm.file,
          path: joinPath('instances', name, key, tokenType),
          message: `plugin "${plugin}" (the ${tokenType} ${role} of instance ${path}) ${state}; ${
            required
              ? 'STS_REQUIRE_PLUGINS=true refuses a configuration bound to a plugin that is not loaded'
              : `${tokenType} requests to ${path} answer 503 plugin_unavailable until it loads (STS_REQUIRE_PLUGINS=true refuses this)`
          }`,
        });
      }
    }
  }
  return problems;
}

function didYouMean(plugin: string, folders: readonly string[]): string {
  const suggestion = closestName(plugin, folders);
  return suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
}
