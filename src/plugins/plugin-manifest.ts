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

/** Longest `issuedTokenField`: a JSON member name, not a document. */
const MAX_FIELD_LENGTH = 128;

const ROLES = [
  { key: 'validators', method: 'validateToken', check: undefined },
  { key: 'providers', method: 'createToken', check: checkProviderOptions },
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
  const [validators, providers] = ROLES.map(({ key, method, check }) => handlers(manifest[key], key, method, check));
  if (Object.keys(validators).length + Object.keys(providers).length === 0) {
    throw new PluginLoadError('the manifest declares no validators and no providers');
  }
  // A typo such as "yes" must not quietly make a demo plugin count as production-ready.
  if (manifest.demoOnly !== undefined && typeof manifest.demoOnly !== 'boolean') {
    throw new PluginLoadError(`demoOnly must be true or false, not ${JSON.stringify(manifest.demoOnly)}`);
  }
  return Object.freeze({
    name: folderName,
    contractVersion: manifest.contractVersion as string,
    validators: Object.freeze(validators) as StsPluginManifest['validators'],
    providers: Object.freeze(providers) as StsPluginManifest['providers'],
    ...(manifest.demoOnly === true && { demoOnly: true }),
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

function handlers(
  value: unknown,
  key: string,
  method: string,
  check?: (handler: Record<string, unknown>, where: string) => void,
): Record<string, object> {
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
    check?.(handler as Record<string, unknown>, `${key}.${tokenType}`);
    result[tokenType] = handler;
  }
  return result;
}

/** The optional members of contract 1.1, checked at load: a wrong value fails the plugin, not a request. */
function checkProviderOptions(provider: Record<string, unknown>, where: string): void {
  const field = provider.issuedTokenField;
  // `token_type` already names the type in validated_token_state / cancelled_token_state.
  if (field !== undefined && (typeof field !== 'string' || field.length === 0 || field.length > MAX_FIELD_LENGTH || field === 'token_type')) {
    throw new PluginLoadError(`${where}.issuedTokenField must be a non-empty string of at most ${MAX_FIELD_LENGTH} characters other than "token_type"`);
  }
  if (provider.verifyIssuedToken !== undefined && typeof provider.verifyIssuedToken !== 'function') {
    throw new PluginLoadError(`${where}.verifyIssuedToken must be a method`);
  }
}

function instantiate(handlerClass: new () => object, where: string): object {
  try {
    return new handlerClass();
  } catch (error) {
    throw new PluginLoadError(`${where}: the constructor threw: ${(error as Error)?.message ?? String(error)}`);
  }
}
