/**
 * SPEC 3: realm files that change on disk are reloaded; a reload that fails validation keeps the
 * last good configuration. A request keeps the configuration it started with.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { parse, stringify } from 'yaml';
import { RealmRegistry, type ReloadOutcome } from '../../../src/realms/realm-registry.service';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, TestServer } from '../../support/test-server';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls every 100 ms, up to about 5 s, until `check` returns something other than undefined. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const result = await check();
    if (result !== undefined) return result;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function withIssuer(instance: Record<string, unknown>, issuer: string): Record<string, unknown> {
  return { ...instance, oidc: { ...(instance.oidc as object), issuer } };
}

describe('hot reload of realm files (watchConfig: true)', () => {
  let server: TestServer;
  let realm: Record<string, unknown>;
  let realmFile: string;
  let registry: RealmRegistry;
  let reloads: jest.SpiedFunction<RealmRegistry['reload']>;

  beforeAll(async () => {
    realm = await rootRealm();
    server = await startTestServer({ root: realm }, { watchConfig: true });
    realmFile = join(server.configDir, 'realms', 'root.yaml');
    registry = server.app.get(RealmRegistry);
    // Watches what the watcher does; calls through to the real reload.
    reloads = jest.spyOn(registry, 'reload');
  });
  afterAll(() => server.close());

  const instances = () => realm.instances as Record<string, unknown>;
  const writeRealm = (instancesNow: Record<string, unknown>) => writeFile(realmFile, stringify({ ...realm, instances: instancesNow }));
  const translate = (instance: string) => server.post(`/rest-sts/${instance}?_action=translate`, usernameToOidc('alice', DEMO_PASSWORD));

  it('serves a newly added instance once the file is rewritten, and keeps the old ones', async () => {
    expect((await translate('added')).status).toBe(404);
    await writeRealm({ ...instances(), added: withIssuer(oidcInstance('ES256', 'ec-1'), 'https://sts.test/added') });

    const res = await eventually('the added instance', async () => {
      const r = await translate('added');
      return r.status === 200 ? r : undefined;
    });
    expect(decodeJwt(res.body.issued_token).iss).toBe('https://sts.test/added');
    expect(reloads).toHaveBeenCalled();

    const old = await translate('default');
    expect(old.status).toBe(200);
    expect(decodeJwt(old.body.issued_token).iss).toBe('https://sts.test');
  });

  it('keeps the last good configuration when the file becomes invalid', async () => {
    reloads.mockClear();
    await writeRealm({
      ...instances(),
      added: withIssuer(oidcInstance('ES256', 'ec-1'), 'https://sts.test/added'),
      // The valid part of this change (a new issuer for default) must not be applied either.
      default: withIssuer(oidcInstance('RS256', 'rsa-1'), 'https://sts.test/changed'),
      broken: oidcInstance('RS256', 'no-such-kid'),
    });

    // Wait for the watcher's (debounced) reload to run and be refused, then a while past the
    // debounce so no reload of this version is still pending.
    const watcherOutcomes = async (): Promise<ReloadOutcome[]> =>
      Promise.all(reloads.mock.results.map((r) => r.value as Promise<ReloadOutcome>));
    await eventually('the watcher to refuse the change', async () => ((await watcherOutcomes()).some((o) => !o.applied) ? true : undefined));
    await sleep(1000);
    const refused = (await watcherOutcomes()).at(-1)!;

    const direct = await registry.reload();
    for (const outcome of [refused, direct]) {
      expect(outcome.applied).toBe(false);
      const message = outcome.applied ? '' : outcome.error.message;
      expect(message).toContain('root.yaml');
      expect(message).toContain('instances.broken.oidc.signing_key');
      expect(message).toContain('no-such-kid');
    }

    expect((await translate('broken')).status).toBe(404);
    for (const [name, issuer] of [
      ['default', 'https://sts.test'],
      ['added', 'https://sts.test/added'],
      ['es256', 'https://sts.test'],
    ]) {
      const res = await translate(name);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.issued_token).iss).toBe(issuer);
    }
  });

  it('applies the file again once it is fixed', async () => {
    await writeRealm({
      ...instances(),
      added: withIssuer(oidcInstance('ES256', 'ec-1'), 'https://sts.test/added'),
      default: withIssuer(oidcInstance('RS256', 'rsa-1'), 'https://sts.test/changed'),
      broken: withIssuer(oidcInstance('RS256', 'rsa-1'), 'https://sts.test/fixed'),
    });

    const fixed = await eventually('the fixed instance', async () => {
      const r = await translate('broken');
      return r.status === 200 ? r : undefined;
    });
    expect(decodeJwt(fixed.body.issued_token).iss).toBe('https://sts.test/fixed');
    const changed = await translate('default');
    expect(changed.status).toBe(200);
    expect(decodeJwt(changed.body.issued_token).iss).toBe('https://sts.test/changed');
  });

  it('survives an unreadable entry in the realm directory and keeps watching', async () => {
    reloads.mockClear();
    const outcomes = async (): Promise<ReloadOutcome[]> => Promise.all(reloads.mock.results.map((r) => r.value as Promise<ReloadOutcome>));
    // A directory named like a realm file: reading it fails with EISDIR, not with a ConfigError.
    const notAFile = join(server.configDir, 'realms', 'zz-not-a-file.yaml');
    await mkdir(notAFile);
    const refused = await eventually('the watcher to refuse the reload', async () => (await outcomes()).find((o) => !o.applied));
    expect(refused.applied ? '' : refused.error.message).toContain(join(server.configDir, 'realms'));
    expect((await translate('broken')).status).toBe(200);

    reloads.mockClear();
    await rm(notAFile, { recursive: true });
    await eventually('the watcher to reload again', async () => ((await outcomes()).some((o) => o.applied) ? true : undefined));
    expect((await translate('broken')).status).toBe(200);
  });
});

describe('hot reload after the admin API rewrote a realm file (watchConfig: true)', () => {
  const ADMIN_TOKEN = 'admin-token-for-the-hot-reload-tests';
  let server: TestServer;
  let realmFile: string;

  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() }, { watchConfig: true, adminToken: ADMIN_TOKEN });
    realmFile = join(server.configDir, 'realms', 'root.yaml');
  });
  afterAll(() => server.close());

  const translate = (instance: string) => server.post(`/rest-sts/${instance}?_action=translate`, usernameToOidc('alice', DEMO_PASSWORD));
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** Adds an instance the way an operator would: edits the file in place, no temp file and rename. */
  const addByHand = async (name: string, issuer: string) => {
    const onDisk = parse(await readFile(realmFile, 'utf8'));
    onDisk.instances[name] = withIssuer(oidcInstance('ES256', 'ec-1'), issuer);
    await writeFile(realmFile, stringify(onDisk));
  };

  it('serves instances added by hand to a realm file that an admin API write replaced', async () => {
    // The admin API replaces the file by rename: a new file, which must be watched like the old.
    const { realm: _realm, name: _name, ...es256 } = (await admin('GET', '/sts-publish/rest/es256')).body;
    const put = await admin('PUT', '/sts-publish/rest/es256', { instance_state: withIssuer(es256, 'https://sts.test/published') });
    expect(put.status).toBe(200);
    // Past the reload the rename itself triggers, so the hand edits below must be seen on their own.
    await sleep(1000);

    for (const [name, issuer] of [
      ['by-hand', 'https://sts.test/by-hand'],
      ['by-hand-again', 'https://sts.test/by-hand-again'],
    ]) {
      expect((await translate(name)).status).toBe(404);
      await addByHand(name, issuer);
      const res = await eventually(`the instance ${name} added by hand`, async () => {
        const r = await translate(name);
        return r.status === 200 ? r : undefined;
      });
      expect(decodeJwt(res.body.issued_token).iss).toBe(issuer);
    }

    const published = await translate('es256');
    expect(published.status).toBe(200);
    expect(decodeJwt(published.body.issued_token).iss).toBe('https://sts.test/published');
  });
});

describe('RealmRegistry.reload() under load (watchConfig: false)', () => {
  let server: TestServer;
  let realm: Record<string, unknown>;
  let registry: RealmRegistry;

  beforeAll(async () => {
    realm = await rootRealm();
    server = await startTestServer({ root: realm });
    registry = server.app.get(RealmRegistry);
  });
  afterAll(() => server.close());

  it('lets a request in flight finish with the configuration it started with', async () => {
    const before = registry.instance('/default')!;
    const store = before.realm.identityStore!;
    // Hold the request inside the password check of the old configuration's identity store, so
    // the swap happens while it is in flight, whatever the machine's speed.
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const authenticate = store.authenticate.bind(store);
    const held = jest.spyOn(store, 'authenticate').mockImplementation(async (username, password) => {
      entered();
      await gate;
      return authenticate(username, password);
    });

    try {
      const inFlight = server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
      await inside;

      const instances = realm.instances as Record<string, unknown>;
      await writeFile(
        join(server.configDir, 'realms', 'root.yaml'),
        stringify({ ...realm, instances: { ...instances, default: withIssuer(oidcInstance('RS256', 'rsa-1'), 'https://sts.test/new') } }),
      );
      await expect(registry.reload()).resolves.toEqual({ applied: true });
      expect(registry.instance('/default')).not.toBe(before);

      release();
      const old = await inFlight;
      expect(old.status).toBe(200);
      expect(decodeJwt(old.body.issued_token).iss).toBe('https://sts.test');
      expect(held).toHaveBeenCalledTimes(1);
    } finally {
      release();
    }

    const fresh = await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    expect(fresh.status).toBe(200);
    expect(decodeJwt(fresh.body.issued_token).iss).toBe('https://sts.test/new');
    expect(held).toHaveBeenCalledTimes(1); // the new configuration has its own identity store
  });

  it('refuses, without rejecting, a reload that fails on something other than validation, and reloads again after', async () => {
    // A directory named like a realm file: reading it fails with EISDIR, not with a ConfigError.
    const notAFile = join(server.configDir, 'realms', 'zz-not-a-file.yaml');
    await mkdir(notAFile);
    try {
      const refused = await registry.reload();
      expect(refused.applied).toBe(false);
      expect(refused.applied ? '' : refused.error.message).toContain(join(server.configDir, 'realms'));
      expect((await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD))).status).toBe(200);
    } finally {
      await rm(notAFile, { recursive: true, force: true });
    }
    await expect(registry.reload()).resolves.toEqual({ applied: true });
  });

  it('does not pick up file changes by itself when not watching', async () => {
    const instances = realm.instances as Record<string, unknown>;
    await writeFile(
      join(server.configDir, 'realms', 'root.yaml'),
      stringify({ ...realm, instances: { ...instances, unwatched: oidcInstance('ES256', 'ec-1') } }),
    );
    await sleep(500);
    expect((await server.get('/oauth2/unwatched/jwks')).status).toBe(404);
    await expect(registry.reload()).resolves.toEqual({ applied: true });
    expect((await server.get('/oauth2/unwatched/jwks')).status).toBe(200);
  });
});
