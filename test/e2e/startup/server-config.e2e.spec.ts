/**
 * A bad `server.yaml` (or a token store file that cannot be opened) stops start-up with a
 * configuration error naming file and key path, like a bad realm file does.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigError } from '../../../src/realms/config-problem';
import { rootRealm } from '../../support/realm-fixtures';
import { killAll, spawnMain, within } from '../../support/spawned-server';
import { startupError, writeConfigDir } from '../../support/test-server';

const roots: string[] = [];

afterEach(killAll);

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function configDir(serverConfig: object) {
  const dir = await writeConfigDir({ root: await rootRealm() }, serverConfig);
  roots.push(dir.root);
  return dir;
}

function startError(dir: { root: string; configDir: string; dataDir: string }): Promise<ConfigError> {
  return startupError(dir);
}

describe('start-up with server.yaml', () => {
  it('refuses a bad server.yaml with a ConfigError naming file and key path', async () => {
    const dir = await configDir({ token_store: { type: 'memcached' } });
    const error = await startError(dir);
    expect(error.message).toBe(`${join(dir.configDir, 'server.yaml')}: token_store.type: type must be one of: sqlite, redis`);
  });

  it('refuses a SQLite file that cannot be opened, naming token_store.sqlite.file', async () => {
    const dir = await configDir({ token_store: { sqlite: { file: 'taken' } } });
    await mkdir(join(dir.dataDir, 'taken'), { recursive: true });
    const error = await startError(dir);
    expect(error.problems).toEqual([
      expect.objectContaining({ path: 'token_store.sqlite.file', message: expect.stringMatching(/^cannot open the SQLite file .*taken: /) }),
    ]);
  });

  it('the built server exits 1 and prints the problem, without a stack trace', async () => {
    const dir = await configDir({});
    await writeFile(join(dir.configDir, 'server.yaml'), 'token_store:\n  purge_interval_seconds: soon\n');
    const server = spawnMain(dir.root, { STS_CONFIG_DIR: 'config', STS_DATA_DIR: 'data', STS_PLUGINS_DIR: 'plugins', PORT: '0' });
    const { code } = await within(server.exited, 20_000, 'exit');

    expect(code).toBe(1);
    expect(server.output.stderr).toContain('Configuration error; the server did not start:');
    expect(server.output.stderr.split('\n')).toContain(
      'config/server.yaml: token_store.purge_interval_seconds: purge_interval_seconds must be an integer number',
    );
    expect(server.output.stderr).not.toMatch(/^\s+at /m);
  });
});
