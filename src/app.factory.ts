/** Builds the Nest application on Fastify; shared by main.ts and the e2e tests. */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { AppModule } from './app.module';
import { AuditLog } from './logging/audit-log';
import { lazyChildLogger, registerRequestLogging, requestIdOf } from './logging/request-logging';
import { clientErrorHandler } from './http/client-errors';
import { registerJsonBodyParser } from './http/json-body';
import { registerSecurityHeaders } from './http/security-headers';
import { setupOpenApi } from './docs/openapi';
import { registerHttpMetrics } from './metrics/http-metrics';
import { StsMetrics } from './metrics/sts-metrics';
import { rewriteDiscoveryUrl } from './oauth/authorization-server-metadata.controller';
import { registerFormBodyParser } from './oauth/form-body';
import { registerRateLimits } from './ratelimit/rate-limit.hook';
import { createLimitState } from './ratelimit/limit-state';
import { loadServerConfig } from './server-config/server-config-loader';
import type { ServerSettings } from './server-settings';
import { DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES, verifiedTokens } from './token-types/jwt-input/verified-token-cache';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * `logger` is Nest's (start-up, reload, plugin messages); `log`, when given, the structured log
 * that also gets one line per request and the audit trail (main.ts passes both over pino).
 */
export async function createApp(
  settings: ServerSettings,
  logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error'],
  log?: Logger,
): Promise<NestFastifyApplication> {
  // Read once: the hooks below need it before Nest adds routes, the modules (token store) after.
  const serverConfig = loadServerConfig(settings.configDir);
  verifiedTokens.resize(serverConfig.verifiedTokenCacheMaxEntries ?? DEFAULT_VERIFIED_TOKEN_CACHE_ENTRIES);
  const adapter = new FastifyAdapter({
    bodyLimit: settings.maxBodyBytes,
    requestTimeout: settings.requestTimeoutMs,
    clientErrorHandler,
    // Fastify's own request lines are off (request-logging.ts writes ours); through logController,
    // as the top-level disableRequestLogging option is deprecated (FSTDEP023).
    ...(log ? { loggerInstance: log, logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: lazyChildLogger } : { logger: false }),
    genReqId: requestIdOf,
    requestIdHeader: false,
    // No Nest middleware is used (hooks do that work), so @fastify/middie, which runs on every
    // request even with nothing registered, is left out.
    skipMiddie: true,
    // OpenID Connect Discovery lives below each issuer's path; one route serves them all.
    rewriteUrl: (request: IncomingMessage) => rewriteDiscoveryUrl(request.url ?? '/'),
    ...nodeServerOptions(settings),
  });
  // Only JSON bodies are accepted (Fastify's own parser, which refuses __proto__ keys), and forms
  // on the OAuth endpoints; anything else is a 415 rather than a string handed to a handler.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  registerJsonBodyParser(adapter.getInstance(), settings.maxJsonDepth);
  registerFormBodyParser(adapter.getInstance());
  registerRequestLogging(adapter.getInstance(), settings.accessLog !== false ? log : undefined);
  registerSecurityHeaders(adapter.getInstance(), settings.tls !== undefined);
  // One registry per application; the hook goes on before Nest adds the routes.
  const metrics = new StsMetrics();
  registerHttpMetrics(adapter.getInstance(), metrics);
  // After logging and metrics, so refused requests are still logged and counted.
  const limits = createLimitState(serverConfig);
  adapter.getInstance().addHook('onClose', () => limits.close());
  registerRateLimits(adapter.getInstance(), serverConfig.rateLimits, serverConfig.trustedProxies ?? [], limits.windowCounters);
  const audit = new AuditLog(log ?? pino({ level: 'silent' }));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings, serverConfig, { metrics, audit, limits }), adapter, {
    bodyParser: false,
    abortOnError: false,
    logger,
  });
  // No app.enableShutdownHooks(): main.ts drains on SIGTERM/SIGINT itself and exits 0 (Nest's
  // hook re-raises the signal), and the tests' many apps should not each add signal listeners.
  if (settings.docs) setupOpenApi(app, PACKAGE_VERSION);
  await app.init();
  return app;
}

/**
 * Options of Node's HTTP(S) server. The limits apply to what a client sends before a route runs.
 * Fastify's default requestTimeout is none, which lets a client that trickles a body hold a
 * connection forever; Node checks timeouts every connectionsCheckingInterval, so that is a
 * fraction of the timeout. HTTPS accepts any client certificate in the handshake
 * (rejectUnauthorized: false): which ones count is decided per instance by the X509 validator.
 */
function nodeServerOptions(settings: ServerSettings): { http: object } | { https: object } {
  const { requestTimeoutMs, tls } = settings;
  const limits = {
    maxHeaderSize: settings.maxHeaderBytes,
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeoutMs / 10))),
  };
  if (!tls) return { http: limits };
  return {
    https: {
      ...limits,
      key: readFileSync(tls.keyFile),
      cert: readFileSync(tls.certificateFile),
      ...(tls.clientCaFile && { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false }),
    },
  };
}
