/**
 * The BUILT command-line tool (`node dist/cli/rest-sts.js`, from `npm run build`), run as an
 * operator runs it. Keys and certificates are checked with openssl; configuration errors against
 * what the built server itself prints when it refuses to start.
 */
import { spawn } from 'node:child_process';
import { sign } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScryptHash, verifyPassword } from '../../../src/identity/scrypt-password';
import { opensslOk } from '../../support/openssl';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { killAll, REPO, spawnMain, within } from '../../support/spawned-server';
import { startTestServer, writeConfigDir, type TestServer } from '../../support/test-server';

const CLI = join(REPO, 'dist', 'cli', 'rest-sts.js');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;

/** Runs the CLI in the work directory with a clean environment (no STS_* variables). */
function run(args: string[], input?: string, script = CLI, env: Record<string, string> = {}): Promise<Result> {
  if (!existsSync(script)) throw new Error(`${script} is missing; run \`npm run build\` first`);
  const child = spawn(process.execPath, [script, ...args], { cwd: work, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(input ?? '');
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const path = (name: string): string => join(work, name);
const roots: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sts-cli-'));
});

afterEach(killAll);

afterAll(async () => {
  await Promise.all([work, ...roots].map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A compact JWS signed with node:crypto alone (RS256 / ES256), so the CLI is not checked against itself. */
function signJwt(alg: 'RS256' | 'ES256', kid: string, claims: object, keyPem: string): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg, kid, typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: keyPem, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe('rest-sts', () => {
  it('prints its usage with --help (exit 0) and without a command (exit 1)', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['hash-password', 'generate-key', 'self-signed-certificate', 'check-config', 'list-instances', 'verify-token']) {
      expect(help.stdout).toContain(name);
    }
    expect(help.stdout).toMatch(/Exit codes: 0 .* 1 .*\n.*2 verify-token/);
    const none = await run([]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('Usage: rest-sts <command>');
  });

  it('runs as the package bin (npx rest-sts): the build leaves it executable, with its shebang', async () => {
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
    const help = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(CLI, ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.on('close', (code) => done({ code, stdout }));
    });
    expect(help).toEqual({ code: 0, stdout: expect.stringContaining('Usage: rest-sts <command>') });
  });

  it('refuses an unknown command with one line on stderr', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('rest-sts: unknown command "frobnicate"; commands: hash-password, generate-key, keys, self-signed-certificate, check-config, list-instances, verify-token\n');
  });

  it('gives each command its own --help', async () => {
    const result = await run(['verify-token', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: rest-sts verify-token --instance PATH/);
    expect(result.stdout).toContain('SAML2');
  });
});

describe('hash-password', () => {
  it('hashes the password from stdin into a PHC string that verifies it, and not another', async () => {
    const result = await run(['hash-password', '--ln', '14'], 'a long passphrase\n');
    expect(result.code).toBe(0);
    const phc = result.stdout.trim();
    expect(phc).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$/);
    expect(await verifyPassword('a long passphrase', parseScryptHash(phc))).toBe(true);
    expect(await verifyPassword('a long passphrase\n', parseScryptHash(phc))).toBe(false);
  });

  it('is still what `npm run hash-password` (dist/cli/hash-password.js) runs, SCRYPT_LN included', async () => {
    const result = await run([], 'secret', join(REPO, 'dist', 'cli', 'hash-password.js'), { SCRYPT_LN: '14' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\$scrypt\$ln=14,/);
    expect(await verifyPassword('secret', parseScryptHash(result.stdout.trim()))).toBe(true);
  });

  it('refuses an empty password and a cost the loader would refuse', async () => {
    const empty = await run(['hash-password'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('rest-sts hash-password: empty password on standard input\n');
    const weak = await run(['hash-password', '--ln', '10'], 'secret');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/--ln must be an integer from 14 to 18/);
    expect(weak.stdout).toBe('');
  });
});

describe('generate-key', () => {
  it('writes an RSA PKCS#8 key with mode 0600 that openssl reads, and prints no key', async () => {
    const result = await run(['generate-key', '--type', 'rsa', '--size', '3072', '--out', path('rsa.pem')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('PRIVATE KEY');
    expect(statSync(path('rsa.pem')).mode & 0o777).toBe(0o600);
    expect(await readFile(path('rsa.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(opensslOk(['pkey', '-in', path('rsa.pem'), '-noout', '-text'])).toMatch(/Private-Key: \(3072 bit/);
  });

  it.each([
    [['--type', 'ec', '--curve', 'P-384'], /NIST CURVE: P-384|ASN1 OID: secp384r1/],
    [['--type', 'okp'], /ED25519 Private-Key/],
    [['--type', 'okp', '--curve', 'X25519'], /X25519 Private-Key/],
  ])('prints a %j key on stdout that openssl reads', async (args, expected) => {
    const result = await run(['generate-key', ...args]);
    expect(result.code).toBe(0);
    await writeFile(path('printed.pem'), result.stdout);
    expect(opensslOk(['pkey', '-in', path('printed.pem'), '-noout', '-text'])).toMatch(expected);
  });

  it('prints an oct secret of --size bits as base64url', async () => {
    const result = await run(['generate-key', '--type', 'oct', '--size', '384']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\n$/);
    expect(Buffer.from(result.stdout.trim(), 'base64url')).toHaveLength(48);
  });

  it('refuses to overwrite an existing file and leaves it as it was', async () => {
    await writeFile(path('taken.pem'), 'keep me');
    const result = await run(['generate-key', '--type', 'ec', '--out', path('taken.pem')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`rest-sts generate-key: ${path('taken.pem')} already exists; refusing to overwrite it\n`);
    expect(await readFile(path('taken.pem'), 'utf8')).toBe('keep me');
  });

  it.each([
    [['--type', 'dsa'], 'unknown key type "dsa"; use rsa, ec, okp or oct'],
    [[], '--type is required'],
    [['--type', 'rsa', '--size', '1024'], '--size must be an integer from 2048 to 16384'],
    [['--type', 'ec', '--curve', 'secp256k1'], '--curve for ec keys is one of P-256, P-384, P-521'],
    [['--type', 'oct', '--size', '130'], '--size for oct keys is a multiple of 8 bits'],
    [['--type', 'ec', '--colour', 'red'], "Unknown option '--colour'"],
  ])('refuses %j with one line and exit 1', async (args, message) => {
    const result = await run(['generate-key', ...args]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toContain(`rest-sts generate-key: ${message}`);
  });
});

describe('self-signed-certificate', () => {
  it.each([
    ['rsa', ['--type', 'rsa'], /sha256WithRSAEncryption/],
    ['ec', ['--type', 'ec', '--curve', 'P-384'], /ecdsa-with-SHA384/],
    ['ed25519', ['--type', 'okp'], /ED25519/],
  ])('certifies a %s key: openssl verifies it, its key is the key, its subject and validity are as asked', async (name, keyArgs, signatureAlgorithm) => {
    const key = path(`cert-${name}.key.pem`);
    const cert = path(`cert-${name}.crt.pem`);
    expect((await run(['generate-key', ...keyArgs, '--out', key])).code).toBe(0);
    const result = await run(['self-signed-certificate', '--key', key, '--subject', 'CN=sts.example.com,O=Example Org', '--days', '10', '--out', cert]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');

    expect(opensslOk(['verify', '-CAfile', cert, cert])).toContain(': OK');
    const text = opensslOk(['x509', '-in', cert, '-noout', '-text']);
    expect(text).toMatch(/Subject: CN ?= ?sts\.example\.com, O ?= ?Example Org/);
    expect(text).toMatch(/Issuer: CN ?= ?sts\.example\.com, O ?= ?Example Org/);
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toMatch(signatureAlgorithm);
    const certKey = opensslOk(['x509', '-in', cert, '-noout', '-pubkey']);
    expect(certKey).toBe(opensslOk(['pkey', '-in', key, '-pubout']));
    const notAfter = Date.parse(opensslOk(['x509', '-in', cert, '-noout', '-enddate']).trim().replace('notAfter=', ''));
    expect(Math.abs(notAfter - (Date.now() + 10 * 86_400_000))).toBeLessThan(5 * 60_000);
  });

  it('prints the certificate on stdout without --out, and nothing private', async () => {
    const key = path('stdout.key.pem');
    await run(['generate-key', '--type', 'ec', '--out', key]);
    const result = await run(['self-signed-certificate', '--key', key, '--subject', 'CN=printed']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(result.stdout + result.stderr).not.toContain('PRIVATE');
  });

  it('refuses a key that cannot sign, a missing key file, a bad subject, missing options and an existing --out', async () => {
    const x25519 = path('x25519.pem');
    await run(['generate-key', '--type', 'okp', '--curve', 'X25519', '--out', x25519]);
    const cases: [string[], string][] = [
      [['--key', x25519, '--subject', 'CN=x'], 'holds a X25519 key, which cannot sign a certificate'],
      [['--key', path('missing.pem'), '--subject', 'CN=x'], `cannot read ${path('missing.pem')}: ENOENT`],
      [['--key', path('taken.pem'), '--subject', 'CN=x'], 'is not an unencrypted PKCS#8, PKCS#1 or SEC1 PEM private key'],
      [['--subject', 'CN=x'], '--key is required'],
      [['--key', path('stdout.key.pem')], '--subject is required'],
      [['--key', path('stdout.key.pem'), '--subject', 'CN=x', '--days', '0'], '--days must be an integer from 1 to 36500'],
      [['--key', path('stdout.key.pem'), '--subject', 'not a dn'], '--subject "not a dn" is not a distinguished name'],
      [['--key', path('stdout.key.pem'), '--subject', 'CN=x', '--out', path('taken.pem')], 'already exists; refusing to overwrite it'],
    ];
    for (const [args, message] of cases) {
      const result = await run(['self-signed-certificate', ...args]);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 1, stderr: expect.stringContaining(message) });
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(await readFile(path('taken.pem'), 'utf8')).toBe('keep me');
  });
});

describe('check-config and list-instances', () => {
  it('accepts a valid configuration with a summary line, and writes nothing into the data directory', async () => {
    const dir = await writeConfigDir({ root: await rootRealm() });
    roots.push(dir.root);
    const result = await run(['check-config', '--config-dir', dir.configDir, '--data-dir', dir.dataDir, '--plugins-dir', join(dir.root, 'plugins')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `configuration OK: 1 realm(s) (/), 3 instance(s) (/default, /es256, /hs256); on first start the server generates ec-1.crt.pem, ec-1.key.pem, hs-1.secret, rsa-1.crt.pem, rsa-1.key.pem in ${dir.dataDir}/keys\n`,
    );
    expect(existsSync(dir.dataDir)).toBe(false);
    expect(existsSync(join(dir.root, 'plugins'))).toBe(false);
  });

  it('refuses a bad configuration with exit 1 and the very lines the built server prints when it refuses to start', async () => {
    const dir = await writeConfigDir({
      root: await rootRealm({ instances: { default: oidcInstance('RS256', 'k9'), es256: oidcInstance('ES256', 'rsa-1') } }),
    });
    roots.push(dir.root);
    const env = { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: join(dir.root, 'plugins'), PORT: '0' };
    // Started outside the config directory, so both print absolute paths (cwd-relative otherwise).
    const server = spawnMain(REPO, env);
    const { code: serverCode } = await within(server.exited, 20000, 'server exit');
    expect(serverCode).toBe(1);
    const serverLines = server.output.stderr.split('\n').filter((line) => line.startsWith(dir.configDir));
    expect(serverLines).toEqual([
      `${dir.configDir}/realms/root.yaml: instances.default.oidc.signing_key: no key "k9" in realm /`,
      expect.stringMatching(/^.*realms\/root\.yaml: instances\.es256\.oidc\.signing_key: ES256 needs an EC key but "rsa-1" is RSA$/),
    ]);

    const result = await run(['check-config', '--config-dir', dir.configDir, '--data-dir', dir.dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [heading, ...problems] = result.stderr.trimEnd().split('\n');
    expect(heading).toBe('rest-sts check-config: configuration error; the server would not start:');
    expect(problems).toEqual(serverLines);
  });

  it('refuses a rotating key with the Redis token store and no key-wrapping key, as the server does', async () => {
    const realm = await rootRealm({ keys: [{ kid: 'ec-rot', use: 'sig', generate: { type: 'ec' }, rotation: { every_days: 30 } }], instances: { default: oidcInstance('ES256', 'ec-rot') } });
    // Nothing listens on port 1: the refusal comes before any connection.
    const dir = await writeConfigDir({ root: realm }, { token_store: { type: 'redis', redis: { url: 'redis://127.0.0.1:1/0' } } });
    roots.push(dir.root);
    const result = await run(['check-config', '--config-dir', dir.configDir, '--data-dir', dir.dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${dir.configDir}/realms/root.yaml: keys[0].rotation: with token_store type redis, rotating keys are shared through Redis, and their private keys leave this process only wrapped: set token_store.redis.key_wrapping_key_env in server.yaml`);
  });

  it('reports a broken server.yaml and a missing realms directory like the server', async () => {
    const dir = await writeConfigDir({ root: await rootRealm() }, { token_store: { type: 'mongodb' } });
    roots.push(dir.root);
    const badStore = await run(['check-config', '--config-dir', dir.configDir, '--data-dir', dir.dataDir]);
    expect(badStore.code).toBe(1);
    expect(badStore.stderr).toMatch(/server\.yaml: token_store\.type: /);

    const missing = await run(['check-config', '--config-dir', path('no-such-config')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      // Inside the working directory: shown relative to it, as the server shows it.
      'rest-sts check-config: configuration error; the server would not start:\nno-such-config/realms: realm directory not found or not readable\n',
    );
  });

  it('refuses an unknown option with a pointer to --help', async () => {
    const bad = await run(['check-config', '--config', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rest-sts check-config: Unknown option '--config'.*\(see rest-sts check-config --help\)\n$/);
  });

  it('lists every instance with its transforms, nested realms included', async () => {
    const nested = await rootRealm({
      realm: '/eu/fr',
      keys: [{ kid: 'fr-ec', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
      instances: {
        partners: {
          ...oidcInstance('ES256', 'fr-ec'),
          supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }, { from: 'USERNAME', to: 'JWT' }],
          access_token: { issuer: 'https://sts.test', audience: 'api', client_id: 'app', signature_algorithm: 'ES256', signing_key: 'fr-ec' },
        },
      },
    });
    const dir = await writeConfigDir({ root: await rootRealm(), 'eu-fr': nested });
    roots.push(dir.root);
    const result = await run(['list-instances', '--config-dir', dir.configDir, '--data-dir', dir.dataDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').sort()).toEqual([
      '/default  USERNAME->OPENIDCONNECT',
      '/es256  USERNAME->OPENIDCONNECT',
      '/eu/fr/partners  USERNAME->OPENIDCONNECT, USERNAME->JWT',
      '/hs256  USERNAME->OPENIDCONNECT',
    ]);
  });

  it('list-instances refuses a bad configuration with exit 1', async () => {
    const dir = await writeConfigDir({ root: await rootRealm({ instances: { default: oidcInstance('RS256', 'k9') } }) });
    roots.push(dir.root);
    const result = await run(['list-instances', '--config-dir', dir.configDir, '--data-dir', dir.dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('realms/root.yaml: instances.default.oidc.signing_key: no key "k9" in realm /');
  });
});

describe('verify-token', () => {
  let server: TestServer;
  let dirArgs: string[];

  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() });
    dirArgs = ['--config-dir', server.configDir, '--data-dir', server.dataDir];
  });

  afterAll(() => server?.close());

  async function issued(instance: string): Promise<string> {
    const res = await server.post(`/rest-sts${instance}?_action=translate`, usernameToOidc('alice', DEMO_PASSWORD, { nonce: 'n-1' }));
    expect(res.status).toBe(200);
    return res.body.issued_token as string;
  }

  it.each(['/default', '/es256', '/hs256'])('accepts an ID token the server issued on %s, printing header and claims', async (instance) => {
    const token = await issued(instance);
    const result = await run(['verify-token', '--instance', instance, ...dirArgs, token]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^valid: (RS256|ES256|HS256) signature by key "(rsa-1|ec-1|hs-1)" of ${instance}, expires `));
    const decoded = JSON.parse(lines.slice(0, -1).join('\n'));
    expect(decoded.claims).toMatchObject({ iss: 'https://sts.test', sub: 'alice', nonce: 'n-1', email: 'alice@example.com' });
    expect(decoded.header.kid).toBeDefined();
  });

  it('reads the token from stdin with -', async () => {
    const result = await run(['verify-token', '--instance', '/default', ...dirArgs, '-'], `${await issued('/default')}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nvalid: RS256 /);
  });

  it('refuses a tampered token: bad signature, exit 2', async () => {
    const [header, payload, signature] = (await issued('/default')).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
    const result = await run(['verify-token', '--instance', '/default', ...dirArgs, `${header}.${forged}.${signature}`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('"sub": "mallory"');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('invalid: bad signature');
  });

  it('refuses an expired token signed with the instance key file: expired, exit 2', async () => {
    const keyPem = await readFile(join(server.dataDir, 'keys', 'rsa-1.key.pem'), 'utf8');
    const exp = now() - 120;
    const token = signJwt('RS256', 'rsa-1', { iss: 'https://sts.test', sub: 'alice', iat: exp - 300, exp }, keyPem);
    const result = await run(['verify-token', '--instance', '/default', ...dirArgs, token]);
    expect(result.code).toBe(2);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(`invalid: expired at ${new Date(exp * 1000).toISOString()}`);

    // The same key and a live exp: valid, so the failure above was the expiry alone.
    const live = signJwt('RS256', 'rsa-1', { iss: 'https://sts.test', sub: 'alice', iat: now(), exp: now() + 300 }, keyPem);
    expect((await run(['verify-token', '--instance', '/default', ...dirArgs, live])).code).toBe(0);
  });

  it('refuses a foreign token: a key of its own under a known kid, and an unknown kid', async () => {
    const foreignKey = path('foreign.key.pem');
    expect((await run(['generate-key', '--type', 'rsa', '--out', foreignKey])).code).toBe(0);
    const pem = await readFile(foreignKey, 'utf8');
    const claims = { iss: 'https://sts.test', sub: 'alice', iat: now(), exp: now() + 300 };

    const sameKid = await run(['verify-token', '--instance', '/default', ...dirArgs, signJwt('RS256', 'rsa-1', claims, pem)]);
    expect(sameKid.code).toBe(2);
    expect(sameKid.stdout).toMatch(/\ninvalid: bad signature\n$/);

    const otherKid = await run(['verify-token', '--instance', '/default', ...dirArgs, signJwt('RS256', 'partner-1', claims, pem)]);
    expect(otherKid.code).toBe(2);
    expect(otherKid.stdout).toMatch(/\ninvalid: unknown kid "partner-1": not among the keys of \/default\n$/);
  });

  it('refuses an algorithm the key does not suit (HS256 with the RSA public key as secret)', async () => {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64({ sub: 'x', exp: now() + 60 })}.AAAA`;
    const result = await run(['verify-token', '--instance', '/default', ...dirArgs, token]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/\ninvalid: algorithm HS256 is not allowed for key "rsa-1" \(RS256, /);
  });

  it('refuses a malformed token with exit 2, and usage errors with exit 1', async () => {
    const malformed = await run(['verify-token', '--instance', '/default', ...dirArgs, 'not-a-jwt']);
    expect(malformed.code).toBe(2);
    expect(malformed.stdout).toMatch(/^invalid: malformed: /);

    const token = await issued('/default');
    const usage: [string[], string][] = [
      [[...dirArgs, token], 'rest-sts verify-token: --instance is required (see rest-sts verify-token --help)\n'],
      [['--instance', '/default', ...dirArgs], 'rest-sts verify-token: give exactly one token, or - to read it from standard input (see rest-sts verify-token --help)\n'],
      [['--instance', '/nope', ...dirArgs, token], 'rest-sts verify-token: no instance /nope; instances: /default, /es256, /hs256\n'],
      [['--instance', '/default', ...dirArgs, 'a.b.c.d.e'], 'rest-sts verify-token: encrypted (JWE) tokens are not supported; only signed JWTs\n'],
    ];
    for (const [args, stderr] of usage) {
      const result = await run(['verify-token', ...args]);
      expect({ args, code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ args, code: 1, stderr, stdout: '' });
    }
  });

  it('accepts a token of the previous version of a rotating key while it is published, and leaves the data directory as it was', async () => {
    const realm = await rootRealm({
      keys: [{ kid: 'ec-rot', use: 'sig', generate: { type: 'ec', curve: 'P-256' }, rotation: { every_days: 30, prepublish_days: 7 } }],
      instances: { rot: oidcInstance('ES256', 'ec-rot') },
    });
    const dir = await writeConfigDir({ root: realm });
    roots.push(dir.root);
    const keys = join(dir.dataDir, 'keys');
    await mkdir(keys, { recursive: true });
    // v1 signed until a minute ago; with 300 s tokens it stays published four more minutes.
    const ring = { versions: [{ n: 1, activates_at: new Date(Date.now() - 40 * 86_400_000).toISOString() }, { n: 2, activates_at: new Date(Date.now() - 60_000).toISOString() }] };
    await writeFile(join(keys, 'ec-rot.ring.json'), JSON.stringify(ring));
    for (const n of [1, 2]) expect((await run(['generate-key', '--type', 'ec', '--out', join(keys, `ec-rot.v${n}.key.pem`)])).code).toBe(0);
    const before = await readdir(keys);
    const v1 = await readFile(join(keys, 'ec-rot.v1.key.pem'), 'utf8');
    const args = ['verify-token', '--instance', '/rot', '--config-dir', dir.configDir, '--data-dir', dir.dataDir];
    const claims = { iss: 'https://sts.test', sub: 'alice', iat: now() - 90, exp: now() + 200 };

    const old = await run([...args, signJwt('ES256', 'ec-rot.v1', claims, v1)]);
    expect(old.stdout.trimEnd().split('\n').at(-1)).toBe('valid: ES256 signature by key "ec-rot.v1" of /rot, expires ' + new Date(claims.exp * 1000).toISOString());
    expect(old.code).toBe(0);

    const future = await run([...args, signJwt('ES256', 'ec-rot.v3', claims, v1)]);
    expect(future.code).toBe(2);
    expect(future.stdout).toMatch(/\ninvalid: unknown kid "ec-rot.v3"/);
    expect(await readdir(keys)).toEqual(before);
    expect(JSON.parse(await readFile(join(keys, 'ec-rot.ring.json'), 'utf8'))).toEqual(ring);
  });
});
