/**
 * SPEC 4.3, PingFederate style: `GET /ext/<jwks_endpoint_path>` publishes an instance's realm
 * JWKS with its own cache duration; `GET /ext/oauth/x509/kid?v=` and `/ext/oauth/x509/x5t?v=`
 * publish the certificates of realm signing keys where an instance enables it. Paths are unique
 * across the server, checked at load, and follow configuration reloads.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { stringify } from 'yaml';
import { ConfigError } from '../../../src/realms/config-problem';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { loadRealms } from '../../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { expectErrorBody } from '../../support/error-body';
import { oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { startTestServer, TestServer, writeConfigDir } from '../../support/test-server';

type Realm = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML under test

interface KeyFiles {
  readonly key: string;
  readonly cert: string;
}

/** An RSA key and a self-signed certificate for it, written by openssl into `dir`. */
function opensslKeyPair(dir: string, name: string): KeyFiles {
  const key = join(dir, `${name}.key.pem`);
  const cert = join(dir, `${name}.cert.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-days', '1', '-keyout', key, '-out', cert],
    { stdio: 'pipe' },
  );
  return { key, cert };
}

/** openssl's own SHA-1 fingerprint of a PEM certificate, as the base64url `x5t` (RFC 7515 4.1.7). */
function opensslX5t(pem: string): string {
  const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha1'], { input: pem, stdio: 'pipe' }).toString();
  const hex = /Fingerprint=([0-9A-F:]+)/i.exec(out)?.[1];
  if (!hex) throw new Error(`unexpected openssl output: ${out}`);
  return Buffer.from(hex.replace(/:/g, ''), 'hex').toString('base64url');
}

/** A JSON-free GET: certificates are PEM text. */
async function getRaw(server: TestServer, path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(server.baseUrl + path);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** One PEM block, line endings and trailing newline aside. */
function pemBody(pem: string): string {
  return pem.replace(/\r/g, '').trim();
}

/** An instance that issues OIDC tokens (the JWT provider is not needed) and carries `access_token:` options. */
function withAccessToken(signingKey: string, options: Record<string, unknown> = {}, oidcKey = 'rsa-1'): Realm {
  return oidcInstance('RS256', oidcKey, {
    access_token: { signature_algorithm: 'RS256', signing_key: signingKey, ...options },
  });
}

function keyEntry(kid: string, files: KeyFiles, extra: Record<string, unknown> = {}): Realm {
  return { kid, use: 'sig', private_key_file: files.key, certificate_file: files.cert, ...extra };
}

const registry = new TokenTypeRegistry([builtinTokenTypes()]);
let keyDir: string;
let rootKeys: KeyFiles;
let encKeys: KeyFiles;
let oldKeys: KeyFiles;
let euKeys: KeyFiles;
let rootPem: string;
let euPem: string;

beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'sts-ext-keys-'));
  rootKeys = opensslKeyPair(keyDir, 'root');
  encKeys = opensslKeyPair(keyDir, 'enc');
  oldKeys = opensslKeyPair(keyDir, 'old');
  euKeys = opensslKeyPair(keyDir, 'eu');
  rootPem = await readFile(rootKeys.cert, 'utf8');
  euPem = await readFile(euKeys.cert, 'utf8');
});

afterAll(() => rm(keyDir, { recursive: true, force: true }));

/**
 * Realm `/`: rsa-1 (generated, no certificate), rsa-cert (certificate), enc-cert (use: enc, with
 * certificate), old-cert (retired long ago, with certificate). Instance `default` publishes its
 * JWKS at /oauth/jwks for 5 minutes and both certificate URLs; `plain` publishes the JWKS with the
 * default cache duration. Realm `/eu` publishes its JWKS at /eu/jwks but no certificates.
 */
async function publishingRealms(): Promise<Record<string, Realm>> {
  const root = await rootRealm({
    keys: [
      { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      keyEntry('rsa-cert', rootKeys),
      keyEntry('enc-cert', encKeys, { use: 'enc' }),
      keyEntry('old-cert', oldKeys, { retired_at: '2000-01-01T00:00:00Z' }),
    ],
    instances: {
      default: withAccessToken('rsa-cert', {
        jwks_endpoint_path: '/oauth/jwks',
        jwks_endpoint_cache_minutes: 5,
        publish_x509_by_kid: true,
        publish_x509_by_x5t: true,
      }),
      plain: withAccessToken('rsa-cert', { jwks_endpoint_path: '/keys/plain' }),
    },
  });
  const eu = await rootRealm({
    realm: '/eu',
    keys: [keyEntry('eu-cert', euKeys)],
    instances: { partners: withAccessToken('eu-cert', { jwks_endpoint_path: '/eu/jwks' }, 'eu-cert') },
  });
  return { root, eu };
}

describe('GET /ext/<jwks_endpoint_path>', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await publishingRealms());
  });
  afterAll(() => server.close());

  it('serves the same key set as /oauth2{P}/jwks, cacheable for jwks_endpoint_cache_minutes', async () => {
    const ext = await server.get('/ext/oauth/jwks');
    const standard = await server.get('/oauth2/default/jwks');
    expect(ext.status).toBe(200);
    expect(standard.status).toBe(200);
    expect(ext.body).toEqual(standard.body);
    expect((ext.body as JSONWebKeySet).keys.map((k) => k.kid).sort()).toEqual(['rsa-1', 'rsa-cert']);
    expect(ext.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ext.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('uses 720 minutes (max-age=43200) when jwks_endpoint_cache_minutes is not set', async () => {
    const res = await server.get('/ext/keys/plain');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=43200');
    expect(res.body).toEqual((await server.get('/oauth2/plain/jwks')).body);
  });

  it("serves each instance its own realm's keys", async () => {
    const eu = await server.get('/ext/eu/jwks');
    expect(eu.status).toBe(200);
    expect(eu.body).toEqual((await server.get('/oauth2/eu/partners/jwks')).body);
    expect((eu.body as JSONWebKeySet).keys.map((k) => k.kid)).toEqual(['eu-cert']);
  });

  it('accepts one trailing slash, like /oauth2{P}/jwks', async () => {
    const res = await server.get('/ext/oauth/jwks/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual((await server.get('/ext/oauth/jwks')).body);
  });

  it.each(['/ext/', '/ext/nope', '/ext/oauth', '/ext/oauth/jwks/more', '/ext/OAUTH/JWKS', '/ext/oauth/x509', '/ext/oauth/x509/kid/rsa-cert'])(
    'answers 404 not_found for %s',
    async (path) => {
      expectErrorBody(await server.get(path), 404, 'not_found');
    },
  );
});

describe('GET /ext/oauth/x509/kid and /ext/oauth/x509/x5t', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await publishingRealms());
  });
  afterAll(() => server.close());

  it('serves the certificate of a signing key by kid as PEM', async () => {
    const res = await getRaw(server, '/ext/oauth/x509/kid?v=rsa-cert');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-pem-file/);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(pemBody(res.text)).toBe(pemBody(rootPem));
    // openssl reads it, and it is the very certificate configured for the key.
    expect(opensslX5t(res.text)).toBe(opensslX5t(rootPem));
  });

  it('serves the same certificate by its base64url SHA-1 thumbprint', async () => {
    const x5t = opensslX5t(rootPem);
    expect(x5t).toMatch(/^[A-Za-z0-9_-]{27}$/);
    const res = await getRaw(server, `/ext/oauth/x509/x5t?v=${x5t}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-pem-file/);
    expect(pemBody(res.text)).toBe(pemBody(rootPem));
    expect(opensslX5t(res.text)).toBe(x5t);
  });

  it.each([
    ['an unknown kid', '/ext/oauth/x509/kid?v=nope'],
    ['a signing key without certificate', '/ext/oauth/x509/kid?v=rsa-1'],
    ['an encryption key', '/ext/oauth/x509/kid?v=enc-cert'],
    ['a retired key no longer in the JWKS', '/ext/oauth/x509/kid?v=old-cert'],
    ['a realm where no instance enables publish_x509_by_kid', '/ext/oauth/x509/kid?v=eu-cert'],
    ['a missing v', '/ext/oauth/x509/kid'],
    ['an empty v', '/ext/oauth/x509/kid?v='],
    ['a repeated v', '/ext/oauth/x509/kid?v=rsa-cert&v=rsa-cert'],
    ['another parameter than v', '/ext/oauth/x509/kid?kid=rsa-cert'],
    ['an unknown thumbprint', '/ext/oauth/x509/x5t?v=AAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a kid where a thumbprint is expected', '/ext/oauth/x509/x5t?v=rsa-cert'],
    ['a missing v (x5t)', '/ext/oauth/x509/x5t'],
    ['an empty v (x5t)', '/ext/oauth/x509/x5t?v='],
    ['an unknown certificate lookup', '/ext/oauth/x509/serial?v=1'],
  ])('answers 404 not_found for %s', async (_what, path) => {
    expectErrorBody(await server.get(path), 404, 'not_found');
  });

  it('answers 404 for the thumbprint of a retired key, of an encryption key, of a realm that does not publish, or a SHA-256 one', async () => {
    const certificates = [await readFile(oldKeys.cert, 'utf8'), await readFile(encKeys.cert, 'utf8'), euPem];
    for (const pem of certificates) {
      expectErrorBody(await server.get(`/ext/oauth/x509/x5t?v=${opensslX5t(pem)}`), 404, 'not_found');
    }
    const der = Buffer.from(pemBody(rootPem).split('\n').slice(1, -1).join(''), 'base64');
    const sha256 = createHash('sha256').update(der).digest('base64url');
    expectErrorBody(await server.get(`/ext/oauth/x509/x5t?v=${sha256}`), 404, 'not_found');
    expectErrorBody(await server.get(`/ext/oauth/x509/x5t?v=${opensslX5t(rootPem)}&v=${opensslX5t(rootPem)}`), 404, 'not_found');
  });
});

describe('publication across reloads', () => {
  let server: TestServer;
  let realmFile: string;
  let registry_: RealmRegistry;
  let realm: Realm;

  beforeAll(async () => {
    realm = await rootRealm({
      keys: [{ kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } }, keyEntry('rsa-cert', rootKeys)],
      instances: { default: withAccessToken('rsa-cert', { jwks_endpoint_path: '/before/jwks' }) },
    });
    server = await startTestServer({ root: realm });
    realmFile = join(server.configDir, 'realms', 'root.yaml');
    registry_ = server.app.get(RealmRegistry);
  });
  afterAll(() => server.close());

  async function rewrite(instances: Record<string, Realm>): Promise<void> {
    await writeFile(realmFile, stringify({ ...realm, instances }));
  }

  it('publishes the new path and certificates after a reload, and no longer the old path', async () => {
    expect((await server.get('/ext/before/jwks')).status).toBe(200);
    expectErrorBody(await server.get('/ext/oauth/x509/kid?v=rsa-cert'), 404, 'not_found');

    await rewrite({
      default: withAccessToken('rsa-cert', { jwks_endpoint_path: '/after/jwks', jwks_endpoint_cache_minutes: 1, publish_x509_by_kid: true }),
    });
    expect(await registry_.reload()).toEqual({ applied: true });

    expectErrorBody(await server.get('/ext/before/jwks'), 404, 'not_found');
    const after = await server.get('/ext/after/jwks');
    expect(after.status).toBe(200);
    expect(after.headers.get('cache-control')).toBe('public, max-age=60');
    const cert = await getRaw(server, '/ext/oauth/x509/kid?v=rsa-cert');
    expect(cert.status).toBe(200);
    expect(pemBody(cert.text)).toBe(pemBody(rootPem));
    // publish_x509_by_x5t stays off.
    expectErrorBody(await server.get(`/ext/oauth/x509/x5t?v=${opensslX5t(rootPem)}`), 404, 'not_found');
  });

  it('refuses a reload that duplicates a path, and keeps publishing the previous configuration', async () => {
    await rewrite({
      default: withAccessToken('rsa-cert', { jwks_endpoint_path: '/after/jwks', jwks_endpoint_cache_minutes: 1, publish_x509_by_kid: true }),
      twin: withAccessToken('rsa-cert', { jwks_endpoint_path: '/after/jwks' }),
    });
    const outcome = await registry_.reload();
    expect(outcome.applied).toBe(false);
    expect(outcome.applied === false && outcome.error.message).toMatch(/instances\.twin\.access_token\.jwks_endpoint_path: .*"\/after\/jwks"/);

    const after = await server.get('/ext/after/jwks');
    expect(after.status).toBe(200);
    expect(after.headers.get('cache-control')).toBe('public, max-age=60');
    expect((await getRaw(server, '/ext/oauth/x509/kid?v=rsa-cert')).status).toBe(200);
  });
});

describe('jwks_endpoint_path checks at load', () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

  async function loadError(realms: Record<string, Realm>): Promise<ConfigError> {
    const dir = await writeConfigDir(realms);
    roots.push(dir.root);
    const caught = await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).toBeInstanceOf(ConfigError);
    return caught as ConfigError;
  }

  function realmWith(path: string, instances: Record<string, Realm>, base: Realm): Realm {
    return { ...structuredClone(base), realm: path, instances };
  }

  it('refuses the same path in two realm files, naming file, key and the other instance in each', async () => {
    const base = await rootRealm();
    const error = await loadError({
      a: realmWith('/', { one: withAccessToken('rsa-1', { jwks_endpoint_path: '/shared/jwks' }) }, base),
      b: realmWith('/eu', { two: withAccessToken('rsa-2', { jwks_endpoint_path: '/shared/jwks' }, 'rsa-2') }, {
        ...base,
        keys: [{ kid: 'rsa-2', use: 'sig', generate: { type: 'rsa', size: 2048 } }],
      }),
    });
    const problems = error.problems.filter((p) => p.path.endsWith('jwks_endpoint_path'));
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual({
      file: expect.stringMatching(/(^|\/)realms\/a\.yaml$/),
      path: 'instances.one.access_token.jwks_endpoint_path',
      message: expect.stringMatching(/"\/shared\/jwks".*instance \/eu\/two .*realms\/b\.yaml/),
    });
    expect(problems).toContainEqual({
      file: expect.stringMatching(/(^|\/)realms\/b\.yaml$/),
      path: 'instances.two.access_token.jwks_endpoint_path',
      message: expect.stringMatching(/"\/shared\/jwks".*instance \/one .*realms\/a\.yaml/),
    });
    expect(error.message).toMatch(/realms\/b\.yaml: instances\.two\.access_token\.jwks_endpoint_path: .*\/shared\/jwks/);
  });

  it('treats a trailing slash as the same path, within one realm too', async () => {
    const base = await rootRealm();
    const error = await loadError({
      root: realmWith(
        '/',
        {
          one: withAccessToken('rsa-1', { jwks_endpoint_path: '/jwks' }),
          two: withAccessToken('rsa-1', { jwks_endpoint_path: '/jwks/' }),
          three: withAccessToken('rsa-1', { jwks_endpoint_path: '/other' }),
        },
        base,
      ),
    });
    expect(error.problems.map((p) => p.path).sort()).toEqual([
      'instances.one.access_token.jwks_endpoint_path',
      'instances.two.access_token.jwks_endpoint_path',
    ]);
  });

  it.each(['/oauth/x509/kid', '/oauth/x509/x5t', '/oauth/x509', '/oauth/x509/anything/else', '/oauth/x509/kid/'])(
    'refuses %s, where certificates are published',
    async (path) => {
      const error = await loadError({ root: realmWith('/', { one: withAccessToken('rsa-1', { jwks_endpoint_path: path }) }, await rootRealm()) });
      expect(error.problems).toEqual([
        { file: expect.stringMatching(/realms\/root\.yaml$/), path: 'instances.one.access_token.jwks_endpoint_path', message: expect.stringMatching(/reserved/) },
      ]);
    },
  );

  it.each(['/a/../b', '/./jwks', '/a//b'])('refuses %s, which no client requests as written', async (path) => {
    const error = await loadError({ root: realmWith('/', { one: withAccessToken('rsa-1', { jwks_endpoint_path: path }) }, await rootRealm()) });
    expect(error.problems).toEqual([
      { file: expect.stringMatching(/realms\/root\.yaml$/), path: 'instances.one.access_token.jwks_endpoint_path', message: expect.stringMatching(/segment/) },
    ]);
  });

  it('loads distinct paths, and certificate files relative to the configuration directory', async () => {
    const dir = await writeConfigDir({});
    roots.push(dir.root);
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', 'k.pem', '-out', 'c.pem'],
      { cwd: dir.configDir, stdio: 'pipe' },
    );
    const base = await rootRealm();
    await writeFile(
      join(dir.configDir, 'realms', 'root.yaml'),
      stringify(
        realmWith(
          '/',
          {
            one: withAccessToken('cert', { jwks_endpoint_path: '/one/jwks' }),
            two: withAccessToken('cert', { jwks_endpoint_path: '/two/jwks' }),
          },
          { ...base, keys: [...(base.keys as Realm[]), { kid: 'cert', use: 'sig', private_key_file: 'k.pem', certificate_file: 'c.pem' }] },
        ),
      ),
    );
    const set = await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry });
    expect(set.instances.map((i) => i.instance.settings.access_token?.jwks_endpoint_path).sort()).toEqual(['/one/jwks', '/two/jwks']);
    expect(set.instance('/one')?.realm.keys.get('cert')?.certificate).toBeDefined();
  });

  it('stops the server from starting on a duplicate path', async () => {
    const base = await rootRealm();
    const starting = startTestServer({
      root: realmWith(
        '/',
        {
          one: withAccessToken('rsa-1', { jwks_endpoint_path: '/dup' }),
          two: withAccessToken('rsa-1', { jwks_endpoint_path: '/dup' }),
        },
        base,
      ),
    });
    await expect(starting).rejects.toThrow(ConfigError);
    await expect(starting).rejects.toThrow(/instances\.two\.access_token\.jwks_endpoint_path: jwks_endpoint_path "\/dup"/);
  });
});
