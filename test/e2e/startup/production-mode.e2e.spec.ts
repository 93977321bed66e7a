/**
 * NODE_ENV=production against the BUILT server (`npm run build` first): the example configuration
 * is a development one, so a production start refuses its demo material with a configuration
 * error, and starts once the operator has replaced it (warning about missing abuse protection).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { parse, stringify } from 'yaml';
import { testPasswordHash, usernameToOidc } from '../../support/realm-fixtures';
import { killAll, REPO, spawnMain, startSpawnedServer, within } from '../../support/spawned-server';
import { EXAMPLE_DEMO_MATERIAL } from '../../support/example-demo-material';

const DIRS = { STS_CONFIG_DIR: 'config', STS_DATA_DIR: 'data', STS_PLUGINS_DIR: 'plugins', STS_WATCH_CONFIG: 'false', STS_WATCH_PLUGINS: 'false' };
const roots: string[] = [];

/** A copy of the repository's example configuration and plugins, as a fresh clone has them. */
async function exampleCopy(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sts-production-'));
  roots.push(root);
  await cp(join(REPO, 'config'), join(root, 'config'), { recursive: true });
  await cp(join(REPO, 'plugins'), join(root, 'plugins'), { recursive: true });
  return root;
}

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- realm files under edit

async function editRealm(root: string, name: string, change: (realm: Yaml) => Promise<void>): Promise<void> {
  const file = join(root, 'config', 'realms', name);
  const realm = parse(await readFile(file, 'utf8')) as Yaml;
  await change(realm);
  await writeFile(file, stringify(realm));
}

afterEach(killAll);

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('NODE_ENV=production', () => {
  it('refuses to start on the example configuration, naming each demo hash and the demo-only plugin binding', async () => {
    const root = await exampleCopy();
    const server = spawnMain(root, { ...DIRS, NODE_ENV: 'production', PORT: '0' });
    const { code } = await within(server.exited, 20_000, 'exit');

    expect(code).toBe(1);
    const lines = server.output.stderr.split('\n');
    expect(lines).toContain('Configuration error; the server did not start:');
    const problems = lines.filter((line) => line.startsWith('config/realms/'));
    expect(problems.map((line) => line.split(': ').slice(0, 2).join(': ')).sort()).toEqual(EXAMPLE_DEMO_MATERIAL);
    expect(server.output.stderr).toContain(
      "config/realms/root.yaml: identity_store.users[0].password_hash: the example configuration's demo hash: its password or secret is published in the documentation",
    );
    expect(server.output.stderr).toContain(
      'config/realms/root.yaml: instances.custom.custom_token_validators.CUSTOM: plugin "example-custom" is marked demoOnly in its manifest',
    );
    expect(server.output.stderr).not.toMatch(/^\s+at /m);
  });

  it('starts once the demo material is replaced, serves the new password and warns about missing rate limits and back-off', async () => {
    const root = await exampleCopy();
    const password = 'a password of our own';
    const hash = await testPasswordHash(password);
    await editRealm(root, 'root.yaml', async (realm) => {
      realm.identity_store.users[0].password_hash = hash;
      for (const client of realm.instances.default.oauth_clients) client.client_secret_hash = await testPasswordHash(`${client.client_id} secret`);
      delete realm.instances.custom;
    });
    await editRealm(root, 'eu-fr.yaml', async (realm) => {
      realm.identity_store.users[0].password_hash = hash;
    });
    // plugins/example-custom stays: a demo-only plugin that no instance uses is no reason to refuse.
    const server = await startSpawnedServer(root, { ...DIRS, NODE_ENV: 'production' });

    const login = await server.post('/rest-sts/default?_action=translate', usernameToOidc('demo', password));
    expect(login.status).toBe(200);
    expect(decodeJwt(login.body.issued_token).iss).toBe('https://sts.example.com');
    expect((await server.post('/rest-sts/custom?_action=translate', {})).status).toBe(404);
    const log = server.output.stdout;
    expect(log).toContain('NODE_ENV=production: demo passwords, demo client secrets and demo-only plugins are refused');
    expect(log).toContain('config/server.yaml: rate_limits: no request limit is set');
    expect(log).toContain('config/realms/root.yaml: instances.default, instances.es256, instances.saml: accept USERNAME input (passwords), but config/server.yaml has no login_backoff');
    expect(log).toContain('config/realms/eu-fr.yaml: instances.partners: accepts USERNAME input');
    await server.stop();
  });

  it('without NODE_ENV=production serves the example configuration as before, the demo instance under its own issuer', async () => {
    const root = await exampleCopy();
    const server = await startSpawnedServer(root, DIRS);

    const custom = await server.post('/rest-sts/custom?_action=translate', {
      input_token_state: { token_type: 'CUSTOM', extra_stuff: 'anyone' },
      output_token_state: { token_type: 'OPENIDCONNECT' },
    });
    expect(custom.status).toBe(200);
    const claims = decodeJwt(custom.body.issued_token);
    expect(claims).toMatchObject({ iss: 'https://sts.example.com/demo-custom', aud: 'demo-custom-rp', sub: 'custom:anyone' });
    expect(server.output.stdout).not.toContain('NODE_ENV=production');
    await server.stop();
  });
});
