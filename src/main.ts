import 'reflect-metadata';
import { createApp } from './app.factory';
import { runClustered } from './cluster/clustered';
import { ConfigError } from './realms/config-problem';
import { settingsFromEnv } from './server-settings';

// A promise a plugin left behind that rejects later belongs to no request: log it, keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`Unhandled promise rejection (ignored): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  // STS_WORKERS > 1: a cluster primary supervises that many copies of the server below.
  await runClustered(
    settings.workers,
    async () => {
      const app = await createApp(settings);
      await app.listen(settings.port, settings.host);
    },
    (line) => process.stdout.write(`rest-sts: ${line}\n`),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`Configuration error; the server did not start:\n${error.message}\n`);
  } else {
    process.stderr.write(`The server did not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
