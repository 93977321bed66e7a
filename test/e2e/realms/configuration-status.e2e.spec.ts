/**
 * A refused reload is visible: readiness says the configuration is STALE (still 200, so a load
 * balancer keeps the node), with the file and reason; the metrics and the admin API report the
 * hash and load time of what is served and whether the last reload was refused. A good reload
 * makes it UP again.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';

const ADMIN_TOKEN = 'admin-token-for-the-status-tests';

async function adminStatus(server: TestServer, token = ADMIN_TOKEN): Promise<TestResponse> {
  const response = await fetch(`${server.baseUrl}/sts-publish/status`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** The configuration metrics of one scrape. */
async function metrics(server: TestServer): Promise<{ hash?: string; loadedAt: number; refused: number; failures: number }> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  const info = text.match(/^sts_config_info\{hash="([0-9a-f]+)"\} 1$/gm) ?? [];
  expect(info.length).toBeLessThanOrEqual(1); // one series: the configuration served now
  return {
    hash: /hash="([0-9a-f]+)"/.exec(info[0] ?? '')?.[1],
    loadedAt: sample('sts_config_loaded_timestamp_seconds'),
    refused: sample('sts_config_last_reload_refused'),
    failures: sample('sts_config_reload_failures_total'),
  };
}

/** The documented recipe, run by coreutils: `cd $STS_CONFIG_DIR && LC_ALL=C sha256sum realms/*.yaml | sha256sum`. */
function sha256sumOfRealms(configDir: string): string {
  return execFileSync('sh', ['-c', 'LC_ALL=C sha256sum realms/*.yaml | sha256sum'], { cwd: configDir, encoding: 'utf8' }).split(' ')[0];
}

describe('configuration status: STALE after a refused reload, UP after a good one', () => {
  let server: TestServer;
  let registry: RealmRegistry;
  let realmFile: string;
  let realm: Record<string, unknown>;

  beforeAll(async () => {
    realm = await rootRealm();
    server = await startTestServer({ root: realm }, { adminToken: ADMIN_TOKEN });
    registry = server.app.get(RealmRegistry);
    realmFile = join(server.configDir, 'realms', 'root.yaml');
  });
  afterAll(() => server.close());

  const translate = () => server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));

  it('starts UP, reporting the hash of the realm files as sha256sum computes it, and when they were loaded', async () => {
    const ready = await server.get('/health/ready');
    expect([ready.status, ready.body]).toEqual([200, { status: 'UP', checks: { configuration: 'UP', token_store: 'UP' } }]);

    const hash = sha256sumOfRealms(server.configDir);
    const status = await adminStatus(server);
    expect(status.status).toBe(200);
    expect(status.headers.get('cache-control')).toBe('no-store');
    expect(status.body).toEqual({
      status: 'UP',
      hash,
      loaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      files: [expect.stringMatching(/realms\/root\.yaml$/)],
      instances: ['/default', '/es256', '/hs256'],
      reload_failures: 0,
      unavailable_plugins: [],
    });
    const scraped = await metrics(server);
    expect(scraped).toEqual({ hash, loadedAt: Date.parse(status.body.loaded_at) / 1000, refused: 0, failures: 0 });
  });

  it('turns STALE (still 200) with the file, line and reason when a reload is refused, and keeps serving', async () => {
    const before = await metrics(server);
    await writeFile(realmFile, `${await readFile(realmFile, 'utf8')}  broken: [indentation\n`);
    const outcome = await registry.reload();
    expect(outcome.applied).toBe(false);

    const ready = await server.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'DEGRADED',
      checks: { configuration: 'STALE', token_store: 'UP' },
      refused_reload: {
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        problems: [
          {
            file: expect.stringMatching(/realms\/root\.yaml$/),
            path: '',
            line: expect.any(Number),
            column: expect.any(Number),
            message: expect.stringMatching(/^YAML syntax error: /),
          },
        ],
      },
    });

    const status = await adminStatus(server);
    expect(status.body).toMatchObject({ status: 'STALE', hash: before.hash, reload_failures: 1, refused_reload: ready.body.refused_reload });
    expect(await metrics(server)).toEqual({ ...before, refused: 1, failures: 1 });
    expect((await translate()).status).toBe(200); // the last good configuration still serves

    // The admin API will not edit the broken file blind, and says where it is broken.
    const { line, column } = ready.body.refused_reload.problems[0];
    const create = await fetch(`${server.baseUrl}/sts-publish/rest?_action=create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instance_state: { realm: '/', name: 'more', ...oidcInstance('ES256', 'ec-1') } }),
    });
    const refused: TestResponse = { status: create.status, headers: create.headers, body: await create.json() };
    expectErrorBody(refused, 409, 'realm_file_changed');
    expect(refused.body.message).toMatch(new RegExp(`realms/root\\.yaml:${line}:${column}: YAML syntax error: `));
  });

  it('is UP again after a good reload, with the new hash and load time', async () => {
    const stale = await metrics(server);
    const changed = { ...realm, instances: { ...(realm.instances as object), added: oidcInstance('ES256', 'ec-1') } };
    await writeFile(realmFile, stringify(changed));
    expect(await registry.reload()).toEqual({ applied: true });

    const ready = await server.get('/health/ready');
    expect([ready.status, ready.body]).toEqual([200, { status: 'UP', checks: { configuration: 'UP', token_store: 'UP' } }]);
    const hash = sha256sumOfRealms(server.configDir);
    expect(hash).not.toBe(stale.hash);
    const status = await adminStatus(server);
    expect(status.body).toMatchObject({ status: 'UP', hash, reload_failures: 1, instances: ['/default', '/es256', '/hs256', '/added'] });
    expect(status.body.refused_reload).toBeUndefined();
    const scraped = await metrics(server);
    expect(scraped).toMatchObject({ hash, refused: 0, failures: 1 });
    expect(scraped.loadedAt).toBeGreaterThan(stale.loadedAt);
  });

  it('keeps the status behind the admin token', async () => {
    const refused = await adminStatus(server, 'not-the-admin-token-at-all');
    expectErrorBody(refused, 401, 'admin_unauthorized');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm="sts-publish"/);
  });
});

describe('configuration status without STS_ADMIN_TOKEN', () => {
  it('has no admin status route (404 like any unknown path)', async () => {
    const server = await startTestServer({ root: await rootRealm() });
    try {
      expectErrorBody(await server.get('/sts-publish/status'), 404, 'not_found');
    } finally {
      await server.close();
    }
  });
});
