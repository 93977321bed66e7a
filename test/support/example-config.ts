/**
 * The repository's example configuration (config/realms/*.yaml, as committed) served in process,
 * with its example plugin registered straight into the registry (jest cannot load a plugin folder
 * in process) and a server.yaml of the test's choosing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manifestFromModule } from '../../src/plugins/plugin-manifest';
import { TokenTypeRegistry } from '../../src/transform/token-type-registry';
import { startTestServer, type TestServer } from './test-server';

const REPO = resolve(__dirname, '../..');

/** Each example realm file's text by name (`root`, `eu-fr`). */
export function exampleRealmFiles(): Record<string, string> {
  const dir = join(REPO, 'config', 'realms');
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml'));
  return Object.fromEntries(files.map((name) => [name.replace(/\.yaml$/, ''), readFileSync(join(dir, name), 'utf8')]));
}

/** The example configuration on a test server, `/custom`'s plugin included. */
export async function startExampleServer(serverConfig?: object): Promise<TestServer> {
  const server = await startTestServer(exampleRealmFiles(), {}, serverConfig);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the plugin is a CommonJS module
  server.app.get(TokenTypeRegistry).setPlugin(manifestFromModule(require(join(REPO, 'plugins', 'example-custom', 'index.js')), 'example-custom'));
  return server;
}
