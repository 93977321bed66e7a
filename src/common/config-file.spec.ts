import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigFileError, readConfigFile } from './config-file';

describe('readConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sts-config-file-'));
    await mkdir(join(dir, 'keys'));
    await writeFile(join(dir, 'keys', 'a.pem'), 'pem');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const failure = (configDir: string, name: string) => readConfigFile(configDir, name).then(() => undefined, (error: unknown) => error);

  it('reads a relative name from the configuration directory, and an absolute one as is', async () => {
    expect((await readConfigFile(dir, 'keys/a.pem')).toString()).toBe('pem');
    expect((await readConfigFile('/nowhere', join(dir, 'keys', 'a.pem'))).toString()).toBe('pem');
  });

  it('says what a relative name that is not found is relative to, with the absolute directory', async () => {
    const error = await failure(dir, 'keys/b.pem');
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toBe(`keys/b.pem: file not found (relative to the configuration directory ${dir})`);
  });

  it('shows the configuration directory absolute even when it was given relative to the working directory', async () => {
    const error = await failure(relative(process.cwd(), dir), 'keys/b.pem');
    expect((error as Error).message).toBe(`keys/b.pem: file not found (relative to the configuration directory ${dir})`);
  });

  it('names an absolute path alone, and a directory as a directory', async () => {
    expect(((await failure(dir, '/no/such/file.pem')) as Error).message).toBe('/no/such/file.pem: file not found');
    expect(((await failure(dir, 'keys')) as Error).message).toBe(`keys: is a directory (relative to the configuration directory ${dir})`);
  });
});
