import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opensslOk, removeOpensslWorkDir } from '../../test/support/openssl';
import type { KeyConfig } from '../realms/schema/key-config';
import { KeyLoadError, loadKey } from './key-loader';
import { publicJwk } from './public-jwk';

const YEAR_MS = 365.25 * 86_400_000;

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sts-key-loader-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

afterAll(removeOpensslWorkDir);

const load = (config: Partial<KeyConfig>, clock?: () => number) =>
  loadKey({ kid: 'k1', use: 'sig', ...config } as KeyConfig, { configDir: dataDir, dataDir, env: {}, ...(clock && { clock }) });

const keysDir = () => join(dataDir, 'keys');
const certificateFile = (kid = 'k1') => join(keysDir(), `${kid}.crt.pem`);
const keyFile = (kid = 'k1') => join(keysDir(), `${kid}.key.pem`);
const publicPem = (key: { publicKey?: { export(options: object): string | Buffer } }) => key.publicKey!.export({ type: 'spki', format: 'pem' });

describe('generated keys', () => {
  // Cluster workers start together and may all find the key missing: all must end up with one key.
  it('concurrent first loads of one generated asymmetric key return the same key and certificate, the ones stored', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => load({ generate: { type: 'ec', curve: 'P-256' } })));

    const publicPems = keys.map(publicPem);
    expect(new Set(publicPems).size).toBe(1);
    expect(new Set(keys.map((key) => key.certificate!.fingerprint256)).size).toBe(1);
    const again = await load({ generate: { type: 'ec', curve: 'P-256' } });
    expect(publicPem(again)).toBe(publicPems[0]);
    expect(again.certificate!.fingerprint256).toBe(keys[0].certificate!.fingerprint256);
    expect((await readdir(keysDir())).sort()).toEqual(['k1.crt.pem', 'k1.key.pem']);
  });

  it('concurrent first loads of one generated secret return the same secret, the one stored', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => load({ generate: { type: 'oct', size: 256 } })));

    const secrets = keys.map((key) => key.privateKey!.export().toString('base64url'));
    expect(new Set(secrets).size).toBe(1);
    expect((await readFile(join(dataDir, 'keys', 'k1.secret'), 'utf8')).trim()).toBe(secrets[0]);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['k1.secret']);
  });
});

describe('certificates of generated keys', () => {
  it.each([
    ['RSA signing key', { kid: 'saml-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } }, /sha256WithRSAEncryption/, /Digital Signature/],
    ['EC P-256 signing key', { kid: 'ec-256', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }, /ecdsa-with-SHA256/, /Digital Signature/],
    ['EC P-384 signing key', { kid: 'ec-384', use: 'sig', generate: { type: 'ec', curve: 'P-384' } }, /ecdsa-with-SHA384/, /Digital Signature/],
    ['EC P-521 signing key', { kid: 'ec-521', use: 'sig', generate: { type: 'ec', curve: 'P-521' } }, /ecdsa-with-SHA512/, /Digital Signature/],
    ['RSA encryption key', { kid: 'rsa-enc', use: 'enc', generate: { type: 'rsa', size: 2048 } }, /sha256WithRSAEncryption/, /Key Encipherment/],
    ['EC encryption key', { kid: 'ec-enc', use: 'enc', generate: { type: 'ec', curve: 'P-256' } }, /ecdsa-with-SHA256/, /Key Agreement/],
  ] as const)('a generated %s gets a self-signed certificate that openssl reads, of that key, CN=<kid>, valid 10 years', async (_what, config, signature, usage) => {
    const before = Date.now();
    const key = await load(config as Partial<KeyConfig>);
    const kid = config.kid;

    expect(key.certificateGenerated).toBe(true);
    const file = certificateFile(kid);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(keysDir())).mode & 0o777).toBe(0o700);
    expect(key.certificate!.raw).toEqual(new X509Certificate(await readFile(file)).raw);

    const text = opensslOk(['x509', '-in', file, '-noout', '-text']);
    expect(text).toMatch(new RegExp(`Subject: CN ?= ?${kid.replace('.', '\\.')}\\n`));
    expect(text).toMatch(new RegExp(`Issuer: CN ?= ?${kid.replace('.', '\\.')}\\n`));
    expect(text).toMatch(/CA:FALSE/);
    expect(text).toMatch(signature);
    expect(text).toMatch(usage);
    // Its public key is the generated key's, and it is signed by that key.
    expect(opensslOk(['x509', '-in', file, '-noout', '-pubkey'])).toBe(opensslOk(['pkey', '-in', keyFile(kid), '-pubout']));
    expect(opensslOk(['verify', '-partial_chain', '-CAfile', file, file])).toContain(': OK');
    const date = (field: 'startdate' | 'enddate') => Date.parse(opensslOk(['x509', '-in', file, '-noout', `-${field}`]).trim().replace(/^not(Before|After)=/, ''));
    expect(date('startdate')).toBeLessThanOrEqual(before - 5 * 60_000 + 1000);
    expect(date('startdate')).toBeGreaterThan(before - 6 * 60_000);
    expect(Math.abs(date('enddate') - (date('startdate') + 10 * YEAR_MS))).toBeLessThan(2 * 86_400_000);
  });

  it('is reused on restart: the same file, unchanged', async () => {
    const first = await load({ generate: { type: 'rsa', size: 2048 } });
    const stored = await readFile(certificateFile(), 'utf8');
    const second = await load({ generate: { type: 'rsa', size: 2048 } });
    expect(second.certificate!.raw).toEqual(first.certificate!.raw);
    expect(await readFile(certificateFile(), 'utf8')).toBe(stored);
  });

  it('is made for a key generated before certificates were (a key file without a certificate beside it)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await mkdir(keysDir(), { recursive: true, mode: 0o700 });
    await writeFile(keyFile(), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    const key = await load({ generate: { type: 'ec', curve: 'P-256' } });
    expect(publicPem(key)).toBe(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
    expect(key.certificate!.checkPrivateKey(privateKey)).toBe(true);
    expect(new X509Certificate(await readFile(certificateFile())).checkPrivateKey(privateKey)).toBe(true);
  });

  it.each([
    ['damaged', async () => 'not a certificate\n'],
    ['cut short', async () => (await readFile(certificateFile(), 'utf8')).slice(0, 200)],
    ['for another key (the key file was replaced)', async () => {
      const other = await loadKey({ kid: 'other', use: 'sig', generate: { type: 'rsa', size: 2048 } } as KeyConfig, { configDir: dataDir, dataDir, env: {} });
      return other.certificate!.toString();
    }],
  ])('a stored certificate that is %s is made again for the key', async (_what, replacement) => {
    const first = await load({ generate: { type: 'rsa', size: 2048 } });
    await writeFile(certificateFile(), await replacement());

    const again = await load({ generate: { type: 'rsa', size: 2048 } });
    expect(publicPem(again)).toBe(publicPem(first));
    expect(again.certificate!.checkPrivateKey(again.privateKey!)).toBe(true);
    expect(new X509Certificate(await readFile(certificateFile())).raw).toEqual(again.certificate!.raw);
    expect((await stat(certificateFile())).mode & 0o777).toBe(0o600);
  });

  it('an expired stored certificate is renewed for the same key', async () => {
    const first = await load({ generate: { type: 'ec', curve: 'P-256' } });
    const later = Date.now() + 11 * YEAR_MS;
    const renewed = await load({ generate: { type: 'ec', curve: 'P-256' } }, () => later);
    expect(publicPem(renewed)).toBe(publicPem(first));
    expect(renewed.certificate!.raw).not.toEqual(first.certificate!.raw);
    expect(Date.parse(renewed.certificate!.validTo)).toBeGreaterThan(later);
    expect(Date.parse(renewed.certificate!.validFrom)).toBeLessThan(later);
  });

  it('says which file when the certificate cannot be read or stored', async () => {
    await load({ generate: { type: 'ec', curve: 'P-256' } });
    await rm(certificateFile());
    await mkdir(certificateFile()); // a directory where the certificate belongs
    const error = await load({ generate: { type: 'ec', curve: 'P-256' } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(KeyLoadError);
    expect(error).toMatchObject({ field: 'generate', message: expect.stringMatching(/^cannot read or store the certificate of "k1", .*k1\.crt\.pem: EISDIR/) });
  });

  it.each([
    ['Ed25519', { type: 'okp', curve: 'Ed25519' }, 'k1.key.pem'],
    ['X25519', { type: 'okp', curve: 'X25519' }, 'k1.key.pem'],
    ['oct', { type: 'oct', size: 256 }, 'k1.secret'],
  ] as const)('a generated %s key gets none', async (_what, generate, file) => {
    const key = await load({ generate } as Partial<KeyConfig>);
    expect(key.certificate).toBeUndefined();
    expect(await readdir(keysDir())).toEqual([file]);
  });

  it('a key from a file gets none: its certificate is its certificate_file, or there is none', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dataDir, 'file.key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const key = await load({ private_key_file: 'file.key.pem' });
    expect(key.certificate).toBeUndefined();
    expect(key.certificateGenerated).toBeUndefined();
    expect(await readdir(dataDir)).toEqual(['file.key.pem']);
  });

  it('a generated key with a certificate_file uses that certificate and makes none', async () => {
    const generated = await load({ generate: { type: 'ec', curve: 'P-256' } });
    const pem = generated.certificate!.toString();
    await rm(certificateFile());
    await writeFile(join(dataDir, 'mine.crt.pem'), pem);

    const key = await load({ generate: { type: 'ec', curve: 'P-256' }, certificate_file: 'mine.crt.pem' });
    expect(key.certificate!.toString()).toBe(pem);
    expect(key.certificateGenerated).toBeUndefined();
    expect(await readdir(keysDir())).toEqual(['k1.key.pem']);
  });

  it('is not published in the JWKS (no x5c, x5t#S256), where a certificate_file is', async () => {
    const generated = await load({ generate: { type: 'ec', curve: 'P-256' } });
    expect(Object.keys(publicJwk(generated)).sort()).toEqual(['crv', 'kid', 'kty', 'use', 'x', 'y']);

    await writeFile(join(dataDir, 'mine.crt.pem'), generated.certificate!.toString());
    const configured = await load({ generate: { type: 'ec', curve: 'P-256' }, certificate_file: 'mine.crt.pem' });
    expect(publicJwk(configured).x5c).toEqual([generated.certificate!.raw.toString('base64')]);
  });
});
