/**
 * Loads the whole configuration directory into a RealmSet, or throws a ConfigError listing every
 * problem (file, key path, reason). Nothing is half-applied: callers swap in the result or keep
 * what they had.
 */
import { buildAttributeSources } from '../attributes/attribute-sources';
import { TokenFulfillment } from '../attributes/token-fulfillment';
import { FileIdentityStore } from '../identity/file-identity-store';
import { LdapConfigError, LdapIdentityStore, ldapSettings } from '../identity/ldap-identity-store';
import type { IdentityStore } from '../plugin-api/token-contract';
import type { IdentityStoreConfig } from './schema/identity-store-config';
import { KeyLoadContext, KeyLoadError, loadKey } from '../keys/key-loader';
import type { LoadedKey } from '../keys/loaded-key';
import { RealmKeys } from '../keys/realm-keys';
import { loadKeyRing, type KeyRingSharing } from '../keys/rotation/key-ring-store';
import type { KeyRing } from '../keys/rotation/key-ring';
import { longestTokenLifetimeSeconds } from '../keys/token-lifetimes';
import { planKeyPublication } from '../keys/key-publication';
import { idpMetadataProblems } from '../saml2-metadata/idp-metadata-checks';
import type { TokenTypeRegistry } from '../transform/token-type-registry';
import { demoMaterialProblems } from '../production/demo-material';
import { isProductionMode } from '../production/production-mode';
import { ConfigError, ConfigProblem, joinPath } from './config-problem';
import { instanceProblems } from './instance-checks';
import { buildIssuers } from './issuers';
import { LoadedInstance, LoadedRealm } from './loaded-instance';
import { type PluginFolders, pluginBindingProblems } from './plugin-binding-checks';
import { publicationProblems } from './publication-checks';
import { ParsedRealmFile, parseRealmFile } from './realm-file-parser';
import { RealmReadOptions, readRealmFiles } from './realm-file-reader';
import { RealmSet } from './realm-set';

export interface RealmLoadOptions extends KeyLoadContext, KeyRingSharing, RealmReadOptions {
  readonly registry: TokenTypeRegistry;
  /** When given, bindings to plugins that are not loaded are reported (warnings, or errors with requirePlugins). */
  readonly plugins?: PluginFolders;
  /** STS_REQUIRE_PLUGINS=true: a binding to a plugin that is not loaded refuses the configuration. */
  readonly requirePlugins?: boolean;
  /** server.yaml's public_base_url (resolved): where issuers live on this server. Default http://127.0.0.1:8080. */
  readonly publicBaseUrl?: string;
}

/** What public_base_url defaults to without HOST and PORT: the address `npm start` listens on. */
const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:8080';

export async function loadRealms(options: RealmLoadOptions): Promise<RealmSet> {
  const { files, problems, hash } = await readRealmFiles(options.configDir, options);
  const parsed: ParsedRealmFile[] = [];
  for (const file of files) {
    const result = parseRealmFile(file);
    problems.push(...result.problems);
    if (result.parsed) parsed.push(result.parsed);
  }
  problems.push(...duplicateProblems(parsed));
  if (isProductionMode(options.env)) problems.push(...demoMaterialProblems(parsed, options.registry));
  if (problems.length > 0) throw new ConfigError(problems);

  const realms: LoadedRealm[] = [];
  for (const file of parsed) {
    const built = await buildRealm(file, options);
    problems.push(...built.problems);
    if (built.realm) realms.push(built.realm);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const instances = realms.flatMap((realm) =>
    Object.entries(realm.settings.instances).map(([name, settings]) => new LoadedInstance(realm, name, settings)),
  );
  for (const instance of instances) problems.push(...(await instanceProblems(instance, options.registry)));
  for (const instance of instances) problems.push(...(await prepareFulfillment(instance)));
  problems.push(...publicationProblems(instances));
  problems.push(...idpMetadataProblems(instances));
  const { publication, problems: keyProblems } = planKeyPublication(instances, (options.clock ?? Date.now)());
  problems.push(...keyProblems);
  const { index: issuers, problems: issuerProblems } = buildIssuers(instances, options.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL);
  problems.push(...issuerProblems);
  const required = options.requirePlugins ?? false;
  const unboundPlugins = options.plugins ? pluginBindingProblems(instances, options.registry, options.plugins, required) : [];
  if (required) problems.push(...unboundPlugins);
  if (problems.length > 0) throw new ConfigError(problems);
  return new RealmSet(realms, instances, hash, required ? [] : unboundPlugins, issuers, publication);
}

/** Realm paths are unique, and so are kids across the whole server. */
function duplicateProblems(files: readonly ParsedRealmFile[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const realmFiles = new Map<string, string>();
  const kidFiles = new Map<string, string>();
  for (const { file, config } of files) {
    const earlier = realmFiles.get(config.realm);
    if (earlier) problems.push({ file, path: 'realm', message: `realm ${config.realm} is already defined in ${earlier}` });
    realmFiles.set(config.realm, file);
    config.keys.forEach((key, index) => {
      const other = kidFiles.get(key.kid);
      if (other) problems.push({ file, path: joinPath('keys', index, 'kid'), message: `kid "${key.kid}" is already used in ${other}; kids are unique across the server` });
      kidFiles.set(key.kid, file);
    });
  }
  // A rotating key "k" signs as "k.v1", "k.v2", ...: no other key may be named like that.
  const rotating = files.flatMap(({ config }) => config.keys.filter((key) => key.rotation).map((key) => key.kid));
  for (const { file, config } of files) {
    config.keys.forEach((key, index) => {
      const owner = rotating.find((name) => key.kid.startsWith(`${name}.v`) && /^\d+$/.test(key.kid.slice(name.length + 2)));
      if (owner) problems.push({ file, path: joinPath('keys', index, 'kid'), message: `kid "${key.kid}" is reserved for versions of the rotating key "${owner}"` });
    });
  }
  return problems;
}

async function buildRealm(
  { file, config, source }: ParsedRealmFile,
  options: RealmLoadOptions,
): Promise<{ realm?: LoadedRealm; problems: ConfigProblem[] }> {
  const problems: ConfigProblem[] = [];
  // Indexed by position so the JWKS lists keys in configuration order, however loading interleaves.
  const keys: (LoadedKey | undefined)[] = [];
  const rings: (KeyRing | undefined)[] = [];
  const lifetimeSeconds = longestTokenLifetimeSeconds(config);
  await Promise.all(
    config.keys.map(async (keyConfig, index) => {
      try {
        if (keyConfig.rotation) {
          rings[index] = await loadKeyRing(keyConfig, options, lifetimeSeconds * 1000, (c) => loadKey(c, options));
        } else {
          keys[index] = await loadKey(keyConfig, options);
        }
      } catch (error) {
        if (!(error instanceof KeyLoadError)) throw error;
        problems.push({ file, path: joinPath('keys', index, error.field), message: error.message });
      }
    }),
  );
  let identityStore: IdentityStore | undefined;
  try {
    identityStore = config.identity_store && (await buildIdentityStore(config.identity_store, options));
  } catch (error) {
    if (!(error instanceof LdapConfigError)) throw error;
    problems.push({ file, path: joinPath('identity_store', error.field), message: error.message });
  }
  const attributeSources = buildAttributeSources(config.attribute_sources, options.configDir, options.env);
  problems.push(...attributeSources.problems.map((problem) => ({ file, ...problem })));
  if (problems.length > 0) return { problems };
  const realmKeys = new RealmKeys(keys.filter(isDefined), lifetimeSeconds, rings.filter(isDefined), options.clock ?? Date.now);
  const { configDir } = options;
  const realm = {
    file,
    path: config.realm,
    configDir,
    settings: config,
    identityStore,
    keys: realmKeys,
    attributeSources: attributeSources.sources,
    filePath: source.path,
    fileContent: source.content,
  };
  return { realm, problems };
}

/** Compiles the instance's token_fulfillment (its expressions and lookups) onto it. */
async function prepareFulfillment(loaded: LoadedInstance): Promise<ConfigProblem[]> {
  const config = loaded.instance.settings.token_fulfillment;
  if (!config) return [];
  const { realm } = loaded;
  const base = joinPath('instances', loaded.instance.name);
  const { fulfillment, problems } = await TokenFulfillment.compile(config, {
    realmPath: realm.path,
    instancePath: loaded.instance.path,
    outputTypes: loaded.tokenTypes('output'),
    sources: realm.attributeSources ?? new Map(),
    sourcePath: (name) => joinPath('attribute_sources', realm.settings.attribute_sources.findIndex((source) => source.name === name)),
  });
  loaded.fulfillment = fulfillment;
  return problems.map(({ path, message, onRealm }) => ({ file: realm.file, path: onRealm ? path : joinPath(base, path), message }));
}

/** Nothing connects to a directory here: an LDAP server that is down must not stop a (re)load. */
async function buildIdentityStore(config: IdentityStoreConfig, options: RealmLoadOptions): Promise<IdentityStore> {
  if (config.type === 'ldap') return new LdapIdentityStore(await ldapSettings(config, options.configDir, options.env));
  return FileIdentityStore.create(config.users!);
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
