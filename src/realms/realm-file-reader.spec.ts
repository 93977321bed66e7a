import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { rootRealm } from '../../test/support/realm-fixtures';
import { writeConfigDir } from '../../test/support/test-server';
import { builtinTokenTypes } from '../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { ConfigError } from './config-problem';
import { readRealmFiles } from './realm-file-reader';
import { loadRealms } from './realm-loader';

/** Overrides: a candidate text validated in place of a file's content on disk (the admin API's edits). */
describe('realm file overrides', () => {
  let dirs: Awaited<ReturnType<typeof writeConfigDir>>;
  let file: string;
  let onDisk: string;

  beforeAll(async () => {
    dirs = await writeConfigDir({ root: await rootRealm() });
    file = join(dirs.configDir, 'realms', 'root.yaml');
    onDisk = await readFile(file, 'utf8');
  });
  afterAll(() => rm(dirs.root, { recursive: true, force: true }));

  it('reads the override instead of the file, and names the file by its absolute path', async () => {
    const { files, problems } = await readRealmFiles(dirs.configDir, { overrides: new Map([[file, 'realm: /eu\ninstances: {}\n']]) });
    expect(problems).toEqual([]);
    expect(files).toEqual([{ file: expect.stringMatching(/root\.yaml$/), path: file, content: { realm: '/eu', instances: {} } }]);
    expect(isAbsolute(files[0].path)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(onDisk);
  });

  it('hashes the files as `LC_ALL=C sha256sum realms/*.yaml | sha256sum` does, and the override instead of the file', async () => {
    const sha256sum = () => execFileSync('sh', ['-c', 'LC_ALL=C sha256sum realms/*.yaml | sha256sum'], { cwd: dirs.configDir, encoding: 'utf8' }).split(' ')[0];
    const { hash } = await readRealmFiles(dirs.configDir);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(sha256sum());
    const overridden = await readRealmFiles(dirs.configDir, { overrides: new Map([[file, 'realm: /eu\ninstances: {}\n']]) });
    expect(overridden.hash).not.toBe(hash);
  });

  it('validates the override with the loader, problems named like the file\'s own', async () => {
    const registry = new TokenTypeRegistry([builtinTokenTypes()]);
    const candidate = onDisk.replace('signing_key: ec-1', 'signing_key: k9');
    const overrides = new Map([[file, candidate]]);
    const error = await loadRealms({ ...dirs, env: {}, registry, overrides }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { file: expect.stringMatching(/root\.yaml$/), path: 'instances.es256.oidc.signing_key', message: 'no key "k9" in realm /' },
    ]);

    const loaded = await loadRealms({ ...dirs, env: {}, registry });
    expect(loaded.realms.map((realm) => realm.filePath)).toEqual([file]);
    expect(loaded.instance('/es256')?.realm.fileContent).toMatchObject({ instances: { es256: { oidc: { signing_key: 'ec-1' } } } });
  });
});
