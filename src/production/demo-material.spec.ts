import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootRealm, testPasswordHash } from '../../test/support/realm-fixtures';
import { writeConfigDir } from '../../test/support/test-server';
import { manifestFromModule } from '../plugins/plugin-manifest';
import { ConfigError } from '../realms/config-problem';
import { loadRealms } from '../realms/realm-loader';
import { builtinTokenTypes } from '../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { isDemoHash } from './demo-material';
import { EXAMPLE_DEMO_MATERIAL } from '../../test/support/example-demo-material';

const REPO = join(__dirname, '..', '..');
const EXAMPLE_CONFIG = join(REPO, 'config');
const PRODUCTION = { NODE_ENV: 'production' };
const roots: string[] = [];

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS example plugin, as the server loads it
const examplePlugin = manifestFromModule(require('../../plugins/example-custom'), 'example-custom');

function registryWith(...plugins: (typeof examplePlugin)[]): TokenTypeRegistry {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  plugins.forEach((plugin) => registry.setPlugin(plugin));
  return registry;
}

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sts-demo-'));
  roots.push(dir);
  return dir;
}

async function configErrorOf(load: Promise<unknown>): Promise<ConfigError> {
  const caught = await load.then(() => undefined, (error: unknown) => error);
  if (!(caught instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(caught)}`);
  return caught;
}

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('demo material (NODE_ENV=production)', () => {
  it('recognises every $scrypt$ string committed in config/realms/*.yaml', () => {
    const realmsDir = join(EXAMPLE_CONFIG, 'realms');
    const committed = readdirSync(realmsDir).flatMap((name) => readFileSync(join(realmsDir, name), 'utf8').match(/\$scrypt\$[^"'\s]+/g) ?? []);
    expect(committed.length).toBeGreaterThanOrEqual(4);
    expect(committed.filter((hash) => !isDemoHash(hash))).toEqual([]);
  });

  it('does not take a hash of anyone else for a demo one', async () => {
    expect(isDemoHash(await testPasswordHash())).toBe(false);
    const demo = readFileSync(join(EXAMPLE_CONFIG, 'realms', 'root.yaml'), 'utf8').match(/\$scrypt\$[^"'\s]+/)![0];
    expect(isDemoHash(demo)).toBe(true);
    expect(isDemoHash(`${demo}=`)).toBe(false);
  });

  it('refuses the example configuration, naming each file and key path and saying what to do', async () => {
    const error = await configErrorOf(
      loadRealms({ configDir: EXAMPLE_CONFIG, dataDir: await scratch(), env: PRODUCTION, registry: registryWith(examplePlugin) }),
    );
    expect(error.problems.map(({ file, path }) => `${file}: ${path}`).sort()).toEqual(EXAMPLE_DEMO_MATERIAL);
    const hashProblem = error.problems.find((p) => p.path.endsWith('password_hash'))!;
    expect(hashProblem.message).toMatch(/demo hash: its password or secret is published in the documentation/);
    expect(hashProblem.message).toContain('NODE_ENV=production refuses it');
    expect(hashProblem.message).toContain('npm run -s hash-password');
    expect(hashProblem.message).not.toContain('client_secret_env');
    expect(error.problems.find((p) => p.path.endsWith('client_secret_hash'))!.message).toContain('or use client_secret_env');
    const pluginProblem = error.problems.find((p) => p.path.endsWith('custom_token_validators.CUSTOM'))!;
    expect(pluginProblem.message).toMatch(/^plugin "example-custom" is marked demoOnly in its manifest/);
    expect(pluginProblem.message).toContain('NODE_ENV=production refuses an instance bound to it');
  });

  it('loads the example configuration as before without NODE_ENV=production', async () => {
    for (const env of [{}, { NODE_ENV: 'development' }]) {
      const realms = await loadRealms({ configDir: EXAMPLE_CONFIG, dataDir: await scratch(), env, registry: registryWith(examplePlugin) });
      expect(realms.instance('/custom')).toBeDefined();
    }
  });

  it('gives the demo instance of the example configuration an issuer, audience and key no other instance uses', async () => {
    const realms = await loadRealms({ configDir: EXAMPLE_CONFIG, dataDir: await scratch(), env: {}, registry: registryWith(examplePlugin) });
    const demo = realms.instance('/custom')!.instance.settings.oidc!;
    const others = realms.instances.filter((i) => i.instance.path !== '/custom').map((i) => i.instance.settings);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) {
      for (const issuing of [other.oidc, other.access_token]) {
        expect(issuing?.issuer).not.toBe(demo.issuer);
        expect(issuing?.signing_key).not.toBe(demo.signing_key);
        expect([issuing?.audience ?? []].flat()).not.toEqual(expect.arrayContaining([demo.audience].flat()));
      }
    }
  });

  it('finds a demo hash wherever it was copied', async () => {
    const demo = readFileSync(join(EXAMPLE_CONFIG, 'realms', 'root.yaml'), 'utf8').match(/\$scrypt\$[^"'\s]+/)![0];
    const realm = await rootRealm();
    (realm.identity_store as { users: object[] }).users.push({ username: 'bob', password_hash: demo });
    const dir = await writeConfigDir({ people: realm });
    roots.push(dir.root);
    const error = await configErrorOf(loadRealms({ ...dir, env: PRODUCTION, registry: registryWith() }));
    expect(error.problems).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/realms\/people\.yaml$/), path: 'identity_store.users[1].password_hash' }),
    ]);
  });

  it('starts with a demo-only plugin present but bound to no instance, and with a production-worthy configuration', async () => {
    const dir = await writeConfigDir({ root: await rootRealm() });
    roots.push(dir.root);
    const realms = await loadRealms({ ...dir, env: PRODUCTION, registry: registryWith(examplePlugin) });
    expect(realms.instance('/default')).toBeDefined();
  });
});
