/** Builds the Nest application on Fastify; shared by main.ts and the e2e tests. */
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { AppModule } from './app.module';
import { registerFormBodyParser } from './oauth/form-body';
import type { ServerSettings, TlsSettings } from './server-settings';

export async function createApp(
  settings: ServerSettings,
  logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: settings.maxBodyBytes, logger: false, ...httpsOptions(settings.tls) });
  // Only JSON bodies are accepted (Fastify's own parser, which refuses __proto__ keys), and forms
  // on the OAuth endpoints; anything else is a 415 rather than a string handed to a handler.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  registerFormBodyParser(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings), adapter, {
    bodyParser: false,
    abortOnError: false,
    logger,
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}

/**
 * HTTPS with optional client certificates. The handshake accepts any client certificate
 * (rejectUnauthorized: false): which ones count is decided per instance by the X509 validator.
 */
function httpsOptions(tls: TlsSettings | undefined): { https?: object } {
  if (!tls) return {};
  return {
    https: {
      key: readFileSync(tls.keyFile),
      cert: readFileSync(tls.certificateFile),
      ...(tls.clientCaFile && { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false }),
    },
  };
}
