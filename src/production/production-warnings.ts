/**
 * With NODE_ENV=production, what the start-up log warns about without refusing to start: no
 * request limits, and password (USERNAME) input without login back-off. Both are off unless
 * server.yaml has their section, so that an upgrade does not change a running deployment. And no
 * public_base_url: the documents then name the listening address, rarely what clients use.
 */
import cluster from 'node:cluster';
import type { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';
import { RealmRegistry } from '../realms/realm-registry.service';
import { SERVER_CONFIG, type ServerConfig } from '../server-config/server-config';
import { isProductionMode } from './production-mode';

/** The parts of a LoadedInstance the checks read. */
export interface InstanceView {
  readonly realm: { readonly file: string };
  readonly instance: { readonly name: string; readonly settings: { readonly supported_token_transforms: readonly { readonly from: string }[] } };
}

export function productionWarnings(
  config: Pick<ServerConfig, 'file' | 'rateLimits' | 'loginBackoff'> & Partial<Pick<ServerConfig, 'publicBaseUrl' | 'publicBaseUrlConfigured'>>,
  instances: readonly InstanceView[],
): string[] {
  const warnings: string[] = [];
  if (config.publicBaseUrlConfigured === false) {
    warnings.push(
      `${config.file}: public_base_url: not set, so the metadata documents name endpoints under ${config.publicBaseUrl}, the address the server listens on. ` +
        'Set it to the URL clients reach this server at (see the documentation on discovery)',
    );
  }
  const limits = config.rateLimits;
  if (!limits?.perAddress && !limits?.overall && !limits?.perInstance) {
    warnings.push(
      `${config.file}: rate_limits: no request limit is set, so one client may send as many requests as it likes. ` +
        'Add rate_limits with per_address and overall limits (see the documentation on rate limits and login back-off)',
    );
  }
  if (!config.loginBackoff) {
    const byFile = new Map<string, string[]>();
    for (const { realm, instance } of instances) {
      if (!instance.settings.supported_token_transforms.some((t) => t.from === 'USERNAME')) continue;
      byFile.set(realm.file, [...(byFile.get(realm.file) ?? []), `instances.${instance.name}`]);
    }
    for (const [file, paths] of byFile) {
      warnings.push(
        `${file}: ${paths.join(', ')}: accept${paths.length === 1 ? 's' : ''} USERNAME input (passwords), but ${config.file} has no login_backoff, ` +
          'so password guessing is not slowed down. Add "login_backoff: {}" to it for the defaults (see the documentation on rate limits and login back-off)',
      );
    }
  }
  return warnings;
}

/** main.ts, once the configuration is loaded: each warning is one log line. */
export function logProductionWarnings(app: INestApplicationContext, log: Logger, env: NodeJS.ProcessEnv = process.env): void {
  // With STS_WORKERS > 1 the first worker speaks for all: they share one configuration.
  if (!isProductionMode(env) || (cluster.worker !== undefined && cluster.worker.id !== 1)) return;
  log.info({ context: 'Production' }, 'NODE_ENV=production: demo passwords, demo client secrets and demo-only plugins are refused');
  const instances = app.get(RealmRegistry).realmSet?.instances ?? [];
  for (const warning of productionWarnings(app.get<ServerConfig>(SERVER_CONFIG), instances)) log.warn({ context: 'Production' }, warning);
}
