import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from './app.factory';
import { runClustered } from './cluster/clustered';
import { NestPinoLogger } from './logging/nest-pino-logger';
import { createRootLogger } from './logging/root-logger';
import { logProductionWarnings } from './production/production-warnings';
import { ConfigError } from './realms/config-problem';
import { settingsFromEnv } from './server-settings';

// A promise a plugin left behind that rejects later belongs to no request: log it, keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`Unhandled promise rejection (ignored): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const log = createRootLogger(settings.logLevel);
  // STS_WORKERS > 1: a cluster primary supervises that many copies of the server below.
  await runClustered(
    settings.workers,
    async () => {
      const app = await createApp(settings, new NestPinoLogger(log), log);
      logProductionWarnings(app, log);
      await app.listen(settings.port, settings.host);
      drainOnSignals(app, settings.shutdownTimeoutMs ?? 10_000, log);
    },
    (line) => log.info({ context: 'Cluster' }, line),
    // The primary's last resort comes after each worker's own drain deadline.
    (settings.shutdownTimeoutMs ?? 10_000) + 2_000,
  );
}

/**
 * SIGTERM/SIGINT (a cluster worker gets SIGTERM from the primary): app.close() stops accepting
 * connections, closes idle keep-alive ones, answers 503 to new requests on busy ones, waits for
 * in-flight requests, then runs the shutdown hooks (watchers, token store last). Exit 0; exit 1
 * when requests were still running after `timeoutMs` (they are cut off) or closing failed.
 */
function drainOnSignals(app: NestFastifyApplication, timeoutMs: number, log: Logger): void {
  let closing = false;
  let timedOut = false;
  const drain = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    log.info({ context: 'Shutdown' }, `${signal}: finishing requests in flight (up to ${timeoutMs} ms)`);
    const cutOff = setTimeout(() => {
      timedOut = true;
      log.warn({ context: 'Shutdown' }, `requests still running after ${timeoutMs} ms (STS_SHUTDOWN_TIMEOUT_MS); closing their connections`);
      app.getHttpServer().closeAllConnections();
      setTimeout(() => process.exit(1), 1000).unref(); // whatever else still hangs
    }, timeoutMs);
    cutOff.unref();
    app.close().then(
      () => process.exit(timedOut ? 1 : 0),
      (error: unknown) => {
        log.error({ context: 'Shutdown' }, `shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error; the server did not start:\n${error.message}\n`);
  } else {
    process.stderr.write(`The server did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
