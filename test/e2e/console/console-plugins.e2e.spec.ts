/**
 * The Plugins view on the built server (plugins load through Node's own module loader): the
 * loaded version of a working plugin and the instances using it, and a plugin that failed to
 * load with its reason.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { killAll, REPO, startSpawnedServer, type SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';
import { CONSOLE_ADMIN_TOKEN, ConsoleClient } from './console-client';

let server: SpawnedServer;
let client: ConsoleClient;

beforeAll(async () => {
  const realm = await rootRealm();
  Object.assign(realm.instances as object, {
    custom: { supported_token_transforms: [{ from: 'USERNAME', to: 'CUSTOM' }], custom_token_providers: { CUSTOM: 'example-custom' } },
    broken: oidcInstance('ES256', 'ec-1', { supported_token_transforms: [{ from: 'BROKEN', to: 'OPENIDCONNECT' }], custom_token_validators: { BROKEN: 'broken-syntax' } }),
  });
  const dir = await writeConfigDir({ root: realm });
  const pluginsDir = join(dir.root, 'plugins');
  await cp(join(REPO, 'plugins', 'example-custom'), join(pluginsDir, 'example-custom'), { recursive: true });
  await mkdir(join(pluginsDir, 'broken-syntax'), { recursive: true });
  await writeFile(join(pluginsDir, 'broken-syntax', 'index.js'), 'module.exports = {{ not javascript');
  server = await startSpawnedServer(dir.root, { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: pluginsDir, STS_ADMIN_TOKEN: CONSOLE_ADMIN_TOKEN });
  client = new ConsoleClient(server.baseUrl);
  expect((await client.signIn()).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await server?.stop().catch(killAll);
});

test('shows each plugin: the version loaded and who uses it, or why it failed to load', async () => {
  const response = await client.get('/console/api/plugins');
  expect(response.status).toBe(200);
  const byName = Object.fromEntries(response.body.map((plugin: { name: string }) => [plugin.name, plugin]));
  expect(byName['example-custom']).toEqual(expect.objectContaining({ loaded_version: expect.any(String), used_by: ['/custom'] }));
  expect(byName['example-custom'].error).toBeUndefined();
  expect(byName['broken-syntax']).toEqual(expect.objectContaining({ error: expect.stringContaining('failed to load'), used_by: ['/broken'] }));
  expect(byName['broken-syntax'].loaded_version).toBeUndefined();
});

test('the configuration status names the binding that cannot be served', async () => {
  const status = await client.get('/console/api/status');
  expect(status.body.unavailable_plugins).toEqual([expect.objectContaining({ path: 'instances.broken.custom_token_validators.BROKEN', message: expect.stringContaining('broken-syntax') })]);
});
