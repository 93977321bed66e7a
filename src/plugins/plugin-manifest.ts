/**
 * Checks what a plugin module exports and turns it into a manifest the registry can use. A
 * module may export the manifest itself (`module.exports`, `default` or `manifest`), or a
 * function that receives the plugin API (error classes, contract version) and returns it, so a
 * plugin needs no import of this package. Validator and token provider entries may be objects or
 * classes; a class is instantiated once and that one instance serves every request.
 */
import * as pluginApi from '../plugin-api';
import { STS_CONTRACT_VERSION, type StsPluginManifest } from '../plugin-api/token-contract';
import { TOKEN_TYPE_PATTERN } from '../transform/token-type-name';

export class PluginLoadError extends Error {}

/** What a factory-style plugin receives. */
export type StsPluginApi = typeof pluginApi;

const ROLES = [
  { key: 'validators', method: 'validateToken' },
  { key: 'providers', method: 'createToken' },
] as const;

export function manifestFromModule(moduleExports: unknown, folderName: string): StsPluginManifest {
  const exported = pickExport(moduleExports);
  const candidate = typeof exported === 'function' ? callFactory(exported as (api: StsPluginApi) => unknown) : exported;
  if (typeof candidate !== 'object' || candidate === null) {
    throw new PluginLoadError('the module exports no manifest (an object with name, contractVersion, validators/providers)');
  }
  const manifest = candidate as Record<string, unknown>;
  if (!['name', 'contractVersion', 'validators', 'providers'].some((key) => key in manifest)) {
    throw new PluginLoadError('the module exports no manifest (an object with name, contractVersion, validators/providers)');
  }
  if (manifest.name !== folderName) {
    throw new PluginLoadError(`manifest name ${JSON.stringify(manifest.name)} does not match the folder name "${folderName}"`);
  }
  checkContractVersion(manifest.contractVersion);
  const [validators, providers] = ROLES.map(({ key, method }) => handlers(manifest[key], key, method));
  if (Object.keys(validators).length + Object.keys(providers).length === 0) {
    throw new PluginLoadError('the manifest declares no validators and no providers');
  }
  return Object.freeze({
    name: folderName,
    contractVersion: manifest.contractVersion as string,
    validators: Object.freeze(validators) as StsPluginManifest['validators'],
    providers: Object.freeze(providers) as StsPluginManifest['providers'],
  });
}

function pickExport(moduleExports: unknown): unknown {
  if (typeof moduleExports !== 'object' || moduleExports === null) return moduleExports;
  const named = moduleExports as Record<string, unknown>;
  // ESM namespace or transpiled CommonJS: prefer `default`, then `manifest`, then the object itself.
  return named.default ?? named.manifest ?? moduleExports;
}

function callFactory(factory: (api: StsPluginApi) => unknown): unknown {
  // A class is not a factory; `class` bodies cannot be called without `new`.
  if (/^class\b/.test(Function.prototype.toString.call(factory))) {
    throw new PluginLoadError('the module exports a class; export a manifest object or a function returning one');
  }
  try {
    return factory(pluginApi);
  } catch (error) {
    throw new PluginLoadError(`the manifest function threw: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** Same major version, and a minor no newer than ours. */
function checkContractVersion(version: unknown): void {
  const [major, minor] = STS_CONTRACT_VERSION.split('.').map(Number);
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (!match) throw new PluginLoadError(`contractVersion must be a string like "${STS_CONTRACT_VERSION}"`);
  if (Number(match[1]) !== major || Number(match[2]) > minor) {
    throw new PluginLoadError(`built for contract ${version}; this server implements contract ${STS_CONTRACT_VERSION}`);
  }
}

function handlers(value: unknown, key: string, method: string): Record<string, object> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new PluginLoadError(`${key} must map token types to handlers`);
  const result: Record<string, object> = {};
  for (const [tokenType, entry] of Object.entries(value)) {
    if (!TOKEN_TYPE_PATTERN.test(tokenType)) {
      throw new PluginLoadError(`${key}.${tokenType}: token type names are upper case (e.g. CUSTOM)`);
    }
    const handler = typeof entry === 'function' ? instantiate(entry as new () => object, `${key}.${tokenType}`) : entry;
    if (typeof handler !== 'object' || handler === null || typeof (handler as Record<string, unknown>)[method] !== 'function') {
      throw new PluginLoadError(`${key}.${tokenType} has no ${method}() method`);
    }
    result[tokenType] = handler;
  }
  return result;
}

function instantiate(handlerClass: new () => object, where: string): object {
  try {
    return new handlerClass();
  } catch (error) {
    throw new PluginLoadError(`${where}: the constructor threw: ${(error as Error)?.message ?? String(error)}`);
  }
}
