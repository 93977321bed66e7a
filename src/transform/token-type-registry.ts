/**
 * Which validator and token provider serve a token type for an instance. Built-in types come
 * from manifests registered at start; an instance can bind a type to a plugin by name with
 * `custom_token_validators` / `custom_token_providers`, which wins over a built-in.
 */
import type { InstanceSettings } from '../plugin-api/settings';
import type { StsPluginManifest, TokenProvider, TokenValidator } from '../plugin-api/token-contract';

export type Resolution<T> =
  | { readonly status: 'ready'; readonly handler: T }
  /** Bound to a plugin that is not loaded (or does not offer the type). */
  | { readonly status: 'unavailable'; readonly plugin: string }
  | { readonly status: 'unknown' };

type Role = 'validators' | 'providers';

export class TokenTypeRegistry {
  private readonly builtins: Required<Pick<StsPluginManifest, Role>>;
  private readonly plugins = new Map<string, StsPluginManifest>();

  /**
   * `refuseDemoOnly` (production): a demo-only plugin serves nothing, also when it arrives after
   * the configuration was checked; the load check (production/demo-material.ts) names the binding.
   */
  constructor(
    builtinManifests: readonly StsPluginManifest[],
    private readonly options: { readonly refuseDemoOnly?: boolean } = {},
  ) {
    this.builtins = {
      validators: Object.assign({}, ...builtinManifests.map((m) => m.validators ?? {})),
      providers: Object.assign({}, ...builtinManifests.map((m) => m.providers ?? {})),
    };
  }

  /** Adds or replaces a plugin by its manifest name. */
  setPlugin(manifest: StsPluginManifest): void {
    this.plugins.set(manifest.name, manifest);
  }

  removePlugin(name: string): void {
    this.plugins.delete(name);
  }

  /** Whether the loaded plugin of that name says it is a demonstration only. */
  isDemoOnly(name: string): boolean {
    return this.plugins.get(name)?.demoOnly === true;
  }

  hasPlugin(name: string): boolean {
    return this.plugins.has(name);
  }

  builtinTypes(role: Role): string[] {
    return Object.keys(this.builtins[role]).sort();
  }

  resolveValidator(settings: InstanceSettings, tokenType: string): Resolution<TokenValidator> {
    return this.resolve('validators', settings.custom_token_validators, tokenType);
  }

  resolveProvider(settings: InstanceSettings, tokenType: string): Resolution<TokenProvider> {
    return this.resolve('providers', settings.custom_token_providers, tokenType);
  }

  private resolve<R extends Role>(
    role: R,
    bindings: Readonly<Record<string, string>>,
    tokenType: string,
  ): Resolution<NonNullable<StsPluginManifest[R]>[string]> {
    const pluginName = Object.hasOwn(bindings, tokenType) ? bindings[tokenType] : undefined;
    const source = pluginName === undefined ? this.builtins : this.servingPlugin(pluginName);
    const table = source?.[role] as Readonly<Record<string, NonNullable<StsPluginManifest[R]>[string]>> | undefined;
    const handler = table && Object.hasOwn(table, tokenType) ? table[tokenType] : undefined;
    if (handler) return { status: 'ready', handler };
    return pluginName === undefined ? { status: 'unknown' } : { status: 'unavailable', plugin: pluginName };
  }

  private servingPlugin(name: string): StsPluginManifest | undefined {
    const plugin = this.plugins.get(name);
    return plugin?.demoOnly && this.options.refuseDemoOnly ? undefined : plugin;
  }
}
