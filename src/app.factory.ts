/** Builds the Nest application on Fastify; shared by main.ts and the e2e tests. */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { AppModule } from './app.module';
import type { ServerSettings } from './server-settings';

export async function createApp(
  settings: ServerSettings,
  logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: settings.maxBodyBytes, logger: false });
  // Only JSON bodies are accepted (Fastify's own parser, which refuses __proto__ keys); anything
  // else is a 415 rather than a string or form handed to a handler.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(settings), adapter, {
    bodyParser: false,
    abortOnError: false,
    logger,
  });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
