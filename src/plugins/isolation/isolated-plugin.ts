/**
 * A plugin loaded into worker threads, seen by the registry as any other: a manifest whose
 * validators and token providers forward each call to the plugin's worker pool. The contract does
 * not change for the plugin; its methods simply answer asynchronously here.
 */
import type { StsPluginManifest, TokenProvider, TokenValidator } from '../../plugin-api/token-contract';
import { PluginWorkerPool, type PluginLimits, type RestartReason } from './plugin-worker-pool';
import type { Role, WorkerStart } from './worker-protocol';

export interface IsolatedPlugin {
  readonly manifest: StsPluginManifest;
  readonly pool: PluginWorkerPool;
}

export async function loadIsolatedPlugin(start: WorkerStart, limits: PluginLimits, onRestart: (reason: RestartReason) => void): Promise<IsolatedPlugin> {
  const pool = new PluginWorkerPool(start, limits, onRestart);
  const description = await pool.load();
  const forward = (role: Role, tokenType: string, methods: readonly string[]) =>
    Object.fromEntries(methods.map((method) => [method, (...args: unknown[]) => pool.call(role, tokenType, method, args)]));
  const validators = Object.fromEntries(
    Object.entries(description.validators).map(([type, { methods }]) => [type, Object.freeze(forward('validators', type, methods)) as unknown as TokenValidator]),
  );
  const providers = Object.fromEntries(
    Object.entries(description.providers).map(([type, { methods, issuedTokenField }]) => [
      type,
      Object.freeze({ ...forward('providers', type, methods), ...(issuedTokenField !== undefined && { issuedTokenField }) }) as unknown as TokenProvider,
    ]),
  );
  const manifest: StsPluginManifest = Object.freeze({
    name: start.name,
    contractVersion: description.contractVersion,
    validators: Object.freeze(validators),
    providers: Object.freeze(providers),
    ...(description.demoOnly && { demoOnly: true }),
  });
  return { manifest, pool };
}
