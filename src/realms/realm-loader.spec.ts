import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oidcInstance, rootRealm, testPasswordHash } from '../../test/support/realm-fixtures';
import { writeConfigDir } from '../../test/support/test-server';
import { builtinTokenTypes } from '../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { ConfigError, ConfigProblem } from './config-problem';
import { loadRealms } from './realm-loader';
import type { RealmSet } from './realm-set';

type Realm = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML under test

const registry = new TokenTypeRegistry([builtinTokenTypes()]);
const roots: string[] = [];
let baseRealm: Realm;
let passwordHash: string;

beforeAll(async () => {
  passwordHash = await testPasswordHash();
  baseRealm = await rootRealm();
});

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** A fresh copy of the fixture root realm, changed by `change`. */
function realm(change: (r: Realm) => void = () => {}): Realm {
  const copy = structuredClone(baseRealm);
  change(copy);
  return copy;
}

/** The fixture realm with a single instance `default`. */
function singleInstance(instance: Realm, change: (r: Realm) => void = () => {}): Realm {
  return realm((r) => {
    r.instances = { default: instance };
    change(r);
  });
}

async function configDir(realms: Record<string, object | string>) {
  const dir = await writeConfigDir(realms);
  roots.push(dir.root);
  return dir;
}

async function load(
  dir: { configDir: string; dataDir: string },
  env: NodeJS.ProcessEnv = {},
): Promise<RealmSet> {
  return loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env, registry });
}

async function configErrorFor(realms: Record<string, object | string>, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const dir = await configDir(realms);
  let caught: unknown;
  try {
    await load(dir, env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Asserts one problem names `fileName` (under realms/), the key `path` and a reason matching
 * `message`, and that the printed error carries the same "file: path: reason" line.
 */
function expectProblem(error: ConfigError, fileName: string, path: string, message: RegExp): ConfigProblem {
  const fileMatch = expect.stringMatching(new RegExp(`(^|/)realms/${escape(fileName)}$`));
  expect(error.problems).toContainEqual(expect.objectContaining({ file: fileMatch, path, message: expect.stringMatching(message) }));
  const problem = error.problems.find((p) => p.path === path && message.test(p.message))!;
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column}`;
  const line = path ? `${where}: ${path}: ${problem.message}` : `${where}: ${problem.message}`;
  expect(error.message.split('\n')).toContain(line);
  return problem;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

describe('loadRealms: a valid configuration', () => {
  it('loads the realms and names instances by realm path + instance name', async () => {
    const fr = realm((r) => {
      r.realm = '/eu/fr';
      r.keys = [{ kid: 'fr-ec', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }];
      r.instances = { partners: oidcInstance('ES256', 'fr-ec') };
    });
    const set = await load(await configDir({ root: realm(), fr }));

    expect(set.realms.map((r) => r.path).sort()).toEqual(['/', '/eu/fr']);
    expect(set.instances.map((i) => i.instance.path).sort()).toEqual(['/default', '/es256', '/eu/fr/partners', '/hs256']);
    const partners = set.instance('/eu/fr/partners');
    expect(partners?.realm.path).toBe('/eu/fr');
    expect(partners?.instance.name).toBe('partners');
    expect(set.instance('/default')?.realm.path).toBe('/');
    expect(set.instance('/default')?.supportsTransform('USERNAME', 'OPENIDCONNECT')).toBe(true);
    expect(set.instance('/default')?.supportsTransform('USERNAME', 'SAML2')).toBe(false);
    expect(set.instance('/partners')).toBeUndefined();
    expect(set.instance('/eu/partners')).toBeUndefined();
  });

  it('applies defaults for optional instance settings', async () => {
    const instance: Realm = oidcInstance('RS256', 'rsa-1');
    delete instance.oidc.token_lifetime_seconds;
    delete instance.oidc.claim_map;
    const set = await load(await configDir({ root: singleInstance(instance) }));
    const settings = set.instance('/default')!.instance.settings;
    expect(settings.oidc).toMatchObject({ token_lifetime_seconds: 600, claim_map: {} });
    expect(settings.persist_issued_tokens).toBe(false);
  });

  it('accepts a single audience written as a string', async () => {
    const instance: Realm = oidcInstance('RS256', 'rsa-1');
    instance.oidc.audience = 'rp-client';
    const set = await load(await configDir({ root: singleInstance(instance) }));
    expect(set.instance('/default')!.instance.settings.oidc!.audience).toEqual(['rp-client']);
  });

  it('treats a key written with no value (YAML null) as absent rather than crashing', async () => {
    const yaml = [
      'realm: /',
      'identity_store:',
      '  type: file',
      '  users:',
      `    - { username: alice, password_hash: "${passwordHash}", attributes: }`,
      'keys:',
      '  - { kid: ec-1, use: sig, generate: { type: ec, curve: P-256 }, certificate_file: }',
      'instances:',
      '  default:',
      '    supported_token_transforms: [{ from: USERNAME, to: OPENIDCONNECT }]',
      '    persist_issued_tokens:',
      '    custom_token_validators:',
      '    oidc:',
      '      issuer: https://sts.test',
      '      audience: rp-client',
      '      signature_algorithm: ES256',
      '      signing_key: ec-1',
      '      token_lifetime_seconds:',
      '      claim_map:',
      '',
    ].join('\n');
    const set = await load(await configDir({ root: yaml }));
    const settings = set.instance('/default')!.instance.settings;
    expect(settings.oidc).toMatchObject({ token_lifetime_seconds: 600, claim_map: {} });
    expect(settings.custom_token_validators).toEqual({});
    expect(settings.persist_issued_tokens).toBe(false);
    // No certificate_file: the key's certificate is the one the server made for the generated key.
    expect(set.instance('/default')!.realm.keys.get('ec-1')?.certificateGenerated).toBe(true);
  });

  it('treats an empty keys: list as no keys', async () => {
    const err = await configErrorFor({ root: 'realm: /\nkeys:\ninstances:\n  default:\n    supported_token_transforms: [{ from: FOO, to: OPENIDCONNECT }]\n    oidc: { issuer: "https://x", audience: a, signature_algorithm: ES256, signing_key: ec-1 }\n' });
    expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /^no key "ec-1" in realm \/$/);
  });

  it('still reports a required key written with no value', async () => {
    const instance: Realm = oidcInstance('RS256', 'rsa-1');
    instance.oidc.issuer = null;
    const err = await configErrorFor({ root: singleInstance(instance) });
    expectProblem(err, 'root.yaml', 'instances.default.oidc.issuer', /issuer must be a string/);
  });

  it('refuses an ID-token issuer that is not an http(s) URL, unless the instance was published in PingAM compatibility', async () => {
    const instance: Realm = oidcInstance('RS256', 'rsa-1');
    for (const issuer of ['oidc_issuer', 'urn:sts', 'https://']) {
      instance.oidc.issuer = issuer;
      const err = await configErrorFor({ root: singleInstance(instance) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.issuer', /is not an http\(s\) URL; an ID token's iss must be one/);
    }
    instance.oidc.issuer = 'oidc_issuer';
    instance.pingam_compatibility = true;
    const set = await load(await configDir({ root: singleInstance(instance) }));
    expect(set.instance('/default')!.instance.settings.oidc!.issuer).toBe('oidc_issuer');
    // Not a URL: nothing to discover, so no discovery document is served for it.
    expect(set.issuers.issuers.map((i) => i.issuer)).not.toContain('oidc_issuer');
  });

  it('persists a generated key under <dataDir>/keys with mode 0600 and reuses it on the next load', async () => {
    const dir = await configDir({ root: realm() });
    const first = await load(dir);

    const keysDir = join(dir.dataDir, 'keys');
    for (const file of ['rsa-1.key.pem', 'ec-1.key.pem', 'hs-1.secret']) {
      expect((await stat(join(keysDir, file))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(keysDir)).mode & 0o077).toBe(0);
    expect(await readFile(join(keysDir, 'rsa-1.key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const second = await load(dir);
    const firstJwks = first.realms[0].keys.jwksAt();
    expect(firstJwks.keys.map((k) => k.kid).sort()).toEqual(['ec-1', 'rsa-1']);
    expect(second.realms[0].keys.jwksAt()).toEqual(firstJwks);
    const secret = (set: RealmSet) => set.realms[0].keys.get('hs-1')!.privateKey!.export().toString('hex');
    expect(secret(second)).toBe(secret(first));
    expect(first.realms[0].keys.get('hs-1')!.secretBytes).toBe(32);
  });

  it('publishes only public parts of signing keys in the realm JWKS', async () => {
    const set = await load(await configDir({ root: realm() }));
    for (const jwk of set.realms[0].keys.jwksAt().keys) {
      expect(jwk).not.toHaveProperty('d');
      expect(jwk).not.toHaveProperty('k');
      expect(jwk.use).toBe('sig');
    }
  });

  it('loads an RSA key and its certificate from files relative to the config dir; the JWK carries x5c and x5t#S256', async () => {
    const dir = await configDir({
      root: realm((r) => {
        r.keys = [{ kid: 'rsa-file', use: 'sig', private_key_file: 'keys/rsa.key.pem', certificate_file: 'keys/rsa.crt.pem' }];
        r.instances = { default: oidcInstance('PS256', 'rsa-file') };
      }),
    });
    const keys = join(dir.configDir, 'keys');
    await mkdir(keys);
    openssl('genrsa', '-out', join(keys, 'rsa.key.pem'), '2048');
    openssl('req', '-x509', '-new', '-key', join(keys, 'rsa.key.pem'), '-subj', '/CN=sts test', '-days', '2', '-out', join(keys, 'rsa.crt.pem'));
    openssl('x509', '-in', join(keys, 'rsa.crt.pem'), '-outform', 'DER', '-out', join(keys, 'rsa.crt.der'));
    const der = await readFile(join(keys, 'rsa.crt.der'));

    const set = await load(dir);
    const [jwk] = set.realms[0].keys.jwksAt().keys;
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'rsa-file', use: 'sig', e: 'AQAB' });
    expect(jwk.x5c).toEqual([der.toString('base64')]);
    expect(jwk['x5t#S256']).toBe(createHash('sha256').update(der).digest('base64url'));
    expect(set.realms[0].keys.get('rsa-file')?.modulusBits).toBe(2048);
  });
});

describe('loadRealms: refused configurations', () => {
  describe('files and YAML', () => {
    it('refuses an empty realms directory', async () => {
      const err = await configErrorFor({});
      expect(err.problems).toEqual([expect.objectContaining({ file: expect.stringMatching(/config\/realms$/), path: '', message: expect.stringMatching(/no realm files/) })]);
      expect(err.message).toMatch(/config\/realms: no realm files/);
    });

    it('refuses a missing realms directory', async () => {
      const dir = await configDir({});
      await rm(join(dir.configDir, 'realms'), { recursive: true });
      await expect(load(dir)).rejects.toThrow(/config\/realms: realm directory not found/);
    });

    it('refuses invalid YAML with one problem naming its line and column', async () => {
      const err = await configErrorFor({ root: 'realm: /\ninstances: [unclosed\n' });
      expect(err.problems).toHaveLength(1);
      const problem = expectProblem(err, 'root.yaml', '', /^YAML syntax error: Flow sequence .* must be sufficiently indented and end with a \]$/);
      expect(problem).toMatchObject({ line: 3, column: 1 });
      expect(err.message).toMatch(/realms\/root\.yaml:3:1: YAML syntax error: Flow sequence/);
    });

    it('refuses bad indentation at the line and column where it is', async () => {
      const text = 'realm: /\ninstances:\n  default:\n    supported_token_transforms: []\n   oidc: {}\n';
      const err = await configErrorFor({ root: text });
      expect(err.problems).toHaveLength(1);
      expect(expectProblem(err, 'root.yaml', '', /^YAML syntax error: /)).toMatchObject({ line: 5, column: 1 });
    });

    it('refuses duplicate YAML keys at the duplicate', async () => {
      const err = await configErrorFor({ root: 'realm: /\nrealm: /eu\ninstances: {}\n' });
      expect(expectProblem(err, 'root.yaml', '', /^YAML syntax error: Map keys must be unique$/)).toMatchObject({ line: 2, column: 1 });
    });

    it('refuses a file that is not a mapping', async () => {
      const err = await configErrorFor({ root: '- realm: /\n' });
      expectProblem(err, 'root.yaml', '', /must be a mapping/);
    });

    it('names a realm file that cannot be read instead of crashing', async () => {
      const dir = await configDir({ root: realm() });
      await mkdir(join(dir.configDir, 'realms', 'broken.yaml'));
      const err = await load(dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expectProblem(err as ConfigError, 'broken.yaml', '', /cannot read the file \(EISDIR\)/);
    });

    it('refuses a damaged generated key file with its path, instead of crashing', async () => {
      const dir = await configDir({ root: realm() });
      await load(dir);
      await writeFile(join(dir.dataDir, 'keys', 'rsa-1.key.pem'), '-----BEGIN PRIVATE KEY-----\nnot a key\n');
      const err = await load(dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expectProblem(err as ConfigError, 'root.yaml', 'keys[0].generate', /rsa-1\.key\.pem is damaged/);
    });

    it('refuses an oct key size that is not whole bytes', async () => {
      const err = await configErrorFor({
        root: realm((r) => {
          r.keys[2].generate.size = 300;
        }),
      });
      expectProblem(err, 'root.yaml', 'keys[2].generate.size', /multiple of 8/);
    });

    it('names the right file when only one of several is bad', async () => {
      const eu = realm((r) => {
        r.realm = '/eu';
        r.keys = [];
        r.instances = { x: oidcInstance('RS256', 'rsa-1', { surprise: true }) };
      });
      const err = await configErrorFor({ root: realm(), eu });
      expect(err.problems).toHaveLength(1);
      expectProblem(err, 'eu.yaml', 'instances.x.surprise', /^unknown key$/);
    });
  });

  describe('schema', () => {
    it('refuses an unknown key at the top level', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.colour = 'blue')) });
      expectProblem(err, 'root.yaml', 'colour', /^unknown key$/);
    });

    it('refuses an unknown key nested in an instance', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.oidc.foo = 1)) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.foo', /^unknown key$/);
    });

    it('refuses an unknown key in a key entry and in a user', async () => {
      const err = await configErrorFor({
        root: realm((r) => {
          r.keys[0].size = 4096;
          r.identity_store.users[0].email = 'a@example.com';
        }),
      });
      expectProblem(err, 'root.yaml', 'keys[0].size', /^unknown key at this level; `size` belongs at keys\[\]\.generate\.size$/);
      expectProblem(err, 'root.yaml', 'identity_store.users[0].email', /^unknown key$/);
    });

    it('reports the problems of every instance and every file at once', async () => {
      const eu = realm((r) => {
        r.realm = '/eu';
        r.keys = [];
        r.colour = 'blue';
      });
      const err = await configErrorFor({
        root: realm((r) => {
          r.instances.default.oidc.foo = 1;
          r.instances.es256.oidc.bar = 1;
        }),
        eu,
      });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.foo', /^unknown key$/);
      expectProblem(err, 'root.yaml', 'instances.es256.oidc.bar', /^unknown key$/);
      expectProblem(err, 'eu.yaml', 'colour', /^unknown key$/);
      expect(err.problems).toHaveLength(3);
    });

    it('refuses token_lifetime_seconds given as a string', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.oidc.token_lifetime_seconds = '600')) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.token_lifetime_seconds', /must be an integer/);
    });

    it('refuses an audience that is a number', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.oidc.audience = 5)) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.audience', /must be an array/);
    });

    it('refuses an unknown signature algorithm', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.oidc.signature_algorithm = 'none')) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signature_algorithm', /must be one of: .*RS256/);
    });

    it.each(['eu', '/eu/', '/eu//fr', '/eu fr', '//', ''])('refuses the realm path %j', async (path) => {
      const err = await configErrorFor({ root: realm((r) => (r.realm = path)) });
      expectProblem(err, 'root.yaml', 'realm', /realm must be "\/" or a path such as \/eu/);
    });

    it.each(['bad name', '-leading-dash', 'a/b', 'ümlaut'])('refuses the instance name %j', async (name) => {
      const err = await configErrorFor({ root: realm((r) => (r.instances[name] = oidcInstance('RS256', 'rsa-1'))) });
      expectProblem(err, 'root.yaml', `instances.${name}`, /instance names are .*A-Z a-z 0-9/);
    });
  });

  describe('identity store', () => {
    it('refuses a plaintext password', async () => {
      const err = await configErrorFor({
        root: realm((r) => (r.identity_store.users[0] = { username: 'alice', password: 'secret', password_hash: passwordHash })),
      });
      expectProblem(err, 'root.yaml', 'identity_store.users[0].password', /plaintext/);
      expect(err.message).not.toContain('secret');
    });

    it('refuses a plaintext password given instead of a hash', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.identity_store.users[0] = { username: 'alice', password: 'secret' })) });
      expectProblem(err, 'root.yaml', 'identity_store.users[0].password', /plaintext passwords are refused/);
    });

    it('refuses a hash below ln=14', async () => {
      const weak = passwordHash.replace('ln=14', 'ln=13');
      const err = await configErrorFor({ root: realm((r) => (r.identity_store.users[0].password_hash = weak)) });
      expectProblem(err, 'root.yaml', 'identity_store.users[0].password_hash', /ln=13 is too weak.*ln=14/);
    });

    it('refuses a hash that is not scrypt', async () => {
      const argon = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
      const err = await configErrorFor({ root: realm((r) => (r.identity_store.users[0].password_hash = argon)) });
      expectProblem(err, 'root.yaml', 'identity_store.users[0].password_hash', /must be a PHC scrypt string/);
    });

    it('refuses a hash with bad base64', async () => {
      const err = await configErrorFor({
        root: realm((r) => (r.identity_store.users[0].password_hash = '$scrypt$ln=14,r=8,p=1$!!!not-base64!!!$@@@@')),
      });
      expectProblem(err, 'root.yaml', 'identity_store.users[0].password_hash', /not a PHC string/);
    });

    it('refuses duplicate usernames', async () => {
      const err = await configErrorFor({
        root: realm((r) => r.identity_store.users.push({ username: 'alice', password_hash: passwordHash })),
      });
      expectProblem(err, 'root.yaml', 'identity_store.users[1].username', /duplicate user "alice"/);
    });

    it('refuses USERNAME input in a realm without an identity_store', async () => {
      const err = await configErrorFor({ root: realm((r) => delete r.identity_store) });
      expectProblem(err, 'root.yaml', 'instances.default.supported_token_transforms', /USERNAME input needs an identity_store in realm \//);
    });
  });

  describe('uniqueness across files', () => {
    it('refuses the same realm in two files', async () => {
      const second = realm((r) => {
        r.keys = [{ kid: 'other-ec', use: 'sig', generate: { type: 'ec' } }];
        r.instances = { other: oidcInstance('ES256', 'other-ec') };
      });
      const err = await configErrorFor({ a: realm(), b: second });
      const problem = expectProblem(err, 'b.yaml', 'realm', /realm \/ is already defined in .*realms\/a\.yaml/);
      expect(problem.file).not.toBe(problem.message);
    });

    it('refuses a kid used in two files', async () => {
      const eu = realm((r) => {
        r.realm = '/eu';
        r.keys = [{ kid: 'rsa-1', use: 'sig', generate: { type: 'rsa' } }];
        r.instances = { x: oidcInstance('RS256', 'rsa-1') };
      });
      const err = await configErrorFor({ a: realm(), b: eu });
      expectProblem(err, 'b.yaml', 'keys[0].kid', /kid "rsa-1" is already used in .*realms\/a\.yaml/);
    });

    it('refuses a kid used twice in one file', async () => {
      const err = await configErrorFor({ root: realm((r) => r.keys.push({ kid: 'ec-1', use: 'sig', generate: { type: 'ec' } })) });
      expectProblem(err, 'root.yaml', 'keys[3].kid', /kid "ec-1" is already used/);
    });
  });

  describe('signing keys', () => {
    it('refuses a signing_key naming a kid the realm does not have', async () => {
      const err = await configErrorFor({ root: singleInstance(oidcInstance('RS256', 'k9')) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /^no key "k9" in realm \/$/);
      expect(err.message).toMatch(/realms\/root\.yaml: instances\.default\.oidc\.signing_key: no key "k9" in realm \/$/m);
    });

    it('refuses a signing_key that lives in another realm', async () => {
      const eu = realm((r) => {
        r.realm = '/eu';
        r.keys = [];
        r.instances = { x: oidcInstance('RS256', 'rsa-1') };
      });
      const err = await configErrorFor({ root: realm(), eu });
      expectProblem(err, 'eu.yaml', 'instances.x.oidc.signing_key', /^no key "rsa-1" in realm \/eu$/);
    });

    it('refuses ES256 with an RSA key', async () => {
      const err = await configErrorFor({ root: singleInstance(oidcInstance('ES256', 'rsa-1')) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /ES256 needs an EC key but "rsa-1" is RSA/);
    });

    it('refuses ES384 with a P-256 key', async () => {
      const err = await configErrorFor({ root: singleInstance(oidcInstance('ES384', 'ec-1')) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /ES384 needs curve P-384; "ec-1" is P-256/);
    });

    it('refuses RS256 with an HMAC secret', async () => {
      const err = await configErrorFor({ root: singleInstance(oidcInstance('RS256', 'hs-1')) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /RS256 needs an RSA key but "hs-1" is oct/);
    });

    it('refuses HS256 with a secret_env secret shorter than 32 bytes', async () => {
      const root = singleInstance(oidcInstance('HS256', 'hs-env'), (r) => (r.keys = [{ kid: 'hs-env', use: 'sig', secret_env: 'STS_TEST_HS_SECRET' }]));
      const err = await configErrorFor({ root }, { STS_TEST_HS_SECRET: 'too short: 31 bytes of secret!!' });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /HS256 needs a secret of at least 32 bytes; "hs-env" has 31/);
      expect(err.message).not.toContain('too short');
    });

    it('accepts HS256 with a 32-byte secret_env secret from the env given to the loader', async () => {
      const root = singleInstance(oidcInstance('HS256', 'hs-env'), (r) => (r.keys = [{ kid: 'hs-env', use: 'sig', secret_env: 'STS_TEST_HS_SECRET' }]));
      expect(process.env.STS_TEST_HS_SECRET).toBeUndefined();
      const set = await load(await configDir({ root }), { STS_TEST_HS_SECRET: 'x'.repeat(32) });
      expect(set.realms[0].keys.get('hs-env')).toMatchObject({ family: 'oct', secretBytes: 32 });
      expect(set.realms[0].keys.jwksAt().keys).toEqual([]);
    });

    it('refuses a secret_env variable that is not set', async () => {
      const root = singleInstance(oidcInstance('HS256', 'hs-env'), (r) => (r.keys = [{ kid: 'hs-env', use: 'sig', secret_env: 'STS_TEST_UNSET' }]));
      const err = await configErrorFor({ root }, { OTHER: 'x'.repeat(64) });
      expectProblem(err, 'root.yaml', 'keys[0].secret_env', /environment variable STS_TEST_UNSET is not set/);
    });

    it('refuses a key with use: enc as a signing key', async () => {
      const root = singleInstance(oidcInstance('RS256', 'rsa-enc'), (r) => r.keys.push({ kid: 'rsa-enc', use: 'enc', generate: { type: 'rsa' } }));
      const err = await configErrorFor({ root });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.signing_key', /key "rsa-enc" has use "enc"; RS256 needs a key with use "sig"/);
    });

    it('refuses a key with no source', async () => {
      const err = await configErrorFor({ root: realm((r) => r.keys.push({ kid: 'empty', use: 'sig' })) });
      expectProblem(err, 'root.yaml', 'keys[3].kid', /key "empty" needs one of private_key_file, secret_env, generate or pkcs11/);
    });

    it('refuses a key with two sources', async () => {
      const err = await configErrorFor({ root: realm((r) => r.keys.push({ kid: 'both', use: 'sig', secret_env: 'X', generate: { type: 'oct' } })) });
      expectProblem(err, 'root.yaml', 'keys[3].kid', /key "both" has secret_env and generate; give exactly one/);
    });

    it('refuses generating an RSA key below 2048 bits', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.keys[0].generate.size = 1024)) });
      expectProblem(err, 'root.yaml', 'keys[0].generate.size', /at least 2048 bits/);
    });
  });

  describe('key files', () => {
    async function keyFileConfig(key: Realm) {
      const dir = await configDir({
        root: realm((r) => {
          r.keys = [key];
          r.instances = { default: oidcInstance('RS256', key.kid) };
        }),
      });
      const keys = join(dir.configDir, 'keys');
      await mkdir(keys);
      return { dir, keys };
    }

    async function errorOf(dir: { configDir: string; dataDir: string }): Promise<ConfigError> {
      const error = await load(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }

    it('refuses a 1024-bit RSA private key file', async () => {
      const { dir, keys } = await keyFileConfig({ kid: 'rsa-small', use: 'sig', private_key_file: 'keys/small.pem' });
      openssl('genrsa', '-out', join(keys, 'small.pem'), '1024');
      expectProblem(await errorOf(dir), 'root.yaml', 'keys[0].private_key_file', /RSA keys must have at least 2048 bits; "rsa-small" has 1024/);
    });

    it('refuses a private key file that is not a key', async () => {
      const { dir, keys } = await keyFileConfig({ kid: 'junk', use: 'sig', private_key_file: 'keys/junk.pem' });
      await writeFile(join(keys, 'junk.pem'), '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
      expectProblem(await errorOf(dir), 'root.yaml', 'keys[0].private_key_file', /keys\/junk\.pem is not an unencrypted PKCS#8, PKCS#1 or SEC1 PEM private key/);
    });

    it('refuses a certificate file as the private key', async () => {
      const { dir, keys } = await keyFileConfig({ kid: 'cert-as-key', use: 'sig', private_key_file: 'keys/c.crt.pem' });
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(keys, 'c.key.pem'), '-subj', '/CN=c', '-days', '1', '-out', join(keys, 'c.crt.pem'));
      expectProblem(await errorOf(dir), 'root.yaml', 'keys[0].private_key_file', /is not an unencrypted .* private key/);
    });

    it('refuses a private key file that does not exist', async () => {
      const { dir } = await keyFileConfig({ kid: 'gone', use: 'sig', private_key_file: 'keys/gone.pem' });
      const problem = expectProblem(await errorOf(dir), 'root.yaml', 'keys[0].private_key_file', /keys\/gone\.pem: file not found/);
      // The relative name is resolved against the configuration directory, and the message says which one.
      expect(problem.message).toBe(`keys/gone.pem: file not found (relative to the configuration directory ${dir.configDir})`);
    });

    it('refuses a certificate that does not certify the private key', async () => {
      const { dir, keys } = await keyFileConfig({ kid: 'mismatch', use: 'sig', private_key_file: 'keys/a.key.pem', certificate_file: 'keys/b.crt.pem' });
      openssl('genrsa', '-out', join(keys, 'a.key.pem'), '2048');
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(keys, 'b.key.pem'), '-subj', '/CN=b', '-days', '1', '-out', join(keys, 'b.crt.pem'));
      expectProblem(await errorOf(dir), 'root.yaml', 'keys[0].certificate_file', /keys\/b\.crt\.pem does not certify this private key/);
    });

    it('refuses a certificate file that is not a certificate', async () => {
      const { dir, keys } = await keyFileConfig({ kid: 'badcert', use: 'sig', private_key_file: 'keys/a.key.pem', certificate_file: 'keys/a.key.pem' });
      openssl('genrsa', '-out', join(keys, 'a.key.pem'), '2048');
      expectProblem(await errorOf(dir), 'root.yaml', 'keys[0].certificate_file', /is not a PEM X\.509 certificate/);
    });
  });

  describe('instances and token types', () => {
    it('refuses a claim_map that maps sub', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.oidc.claim_map = { sub: 'mail' })) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc.claim_map.sub', /"sub" is set by the STS and cannot be mapped/);
    });

    it('refuses a transform to an unknown token type', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.supported_token_transforms = [{ from: 'USERNAME', to: 'FOO' }])) });
      expectProblem(err, 'root.yaml', 'instances.default.supported_token_transforms[0].to', /no token provider for type "FOO"/);
    });

    it('refuses a transform from an unknown token type', async () => {
      const err = await configErrorFor({ root: realm((r) => r.instances.default.supported_token_transforms.push({ from: 'FOO', to: 'OPENIDCONNECT' })) });
      expectProblem(err, 'root.yaml', 'instances.default.supported_token_transforms[1].from', /no token validator for type "FOO"/);
    });

    it('refuses a token type name that is not upper case', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.supported_token_transforms = [{ from: 'username', to: 'OPENIDCONNECT' }])) });
      expectProblem(err, 'root.yaml', 'instances.default.supported_token_transforms[0].from', /must be a token type name/);
    });

    it('refuses OPENIDCONNECT output without an oidc section', async () => {
      const err = await configErrorFor({ root: realm((r) => delete r.instances.default.oidc) });
      expectProblem(err, 'root.yaml', 'instances.default.oidc', /OPENIDCONNECT output needs an oidc section/);
    });

    it('refuses an instance without supported_token_transforms', async () => {
      const err = await configErrorFor({ root: realm((r) => (r.instances.default.supported_token_transforms = [])) });
      expectProblem(err, 'root.yaml', 'instances.default.supported_token_transforms', /should not be empty/);
    });
  });
});
