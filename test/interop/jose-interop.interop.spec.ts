/**
 * Access tokens (output type JWT) and ID tokens issued through the server, checked by two JOSE
 * implementations independent of jose, which made them:
 * - every JWS algorithm: openssl (dgst / pkeyutl / HMAC) and python3-jwcrypto;
 * - every JWE key management x content encryption pair: decrypted by python3-jwcrypto with the
 *   recipient's private key, the nested JWS verified against the realm JWKS;
 * - the three encryption key sources (realm key, partner file in four formats, partner JWKS URL),
 *   a partner JWKS that cannot be fetched, and the encryption settings refused at load.
 * One server serves every instance; all jwcrypto work runs in one python process.
 */
import 'reflect-metadata';
import { createPrivateKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../../src/realms/config-problem';
import { loadRealms } from '../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../src/transform/token-type-registry';
import { expectErrorBody } from '../support/error-body';
import { generatedKeyJwk, runJwcrypto, type JwcryptoJob, type JwcryptoResult, type PublicJwks } from '../support/jwcrypto';
import { jwsParts, opensslOk, opensslVerifyJws, opensslX5t, publicKeyPemFile, removeOpensslWorkDir, tempFile, tempPath } from '../support/openssl';
import { DEMO_PASSWORD, testPasswordHash } from '../support/realm-fixtures';
import { startTestServer, writeConfigDir, type TestServer } from '../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

// ---------------------------------------------------------------------------------------------
// What the realm holds

/** Every JWS algorithm and the realm key it signs with (one RSA key per algorithm: a key serves one). */
const JWS_CASES: readonly (readonly [alg: string, kid: string])[] = [
  ['HS256', 'hs-256'],
  ['HS384', 'hs-384'],
  ['HS512', 'hs-512'],
  ['RS256', 'rsa-rs256'],
  ['RS384', 'rsa-rs384'],
  ['RS512', 'rsa-rs512'],
  ['PS256', 'rsa-ps256'],
  ['PS384', 'rsa-ps384'],
  ['PS512', 'rsa-ps512'],
  ['ES256', 'ec-256'],
  ['ES384', 'ec-384'],
  ['ES512', 'ec-521'],
  ['EdDSA', 'ed-1'],
];

const CONTENT_ENCRYPTION = ['A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512', 'A128GCM', 'A192GCM', 'A256GCM'] as const;
type Enc = (typeof CONTENT_ENCRYPTION)[number];
/** RFC 7518: the content key length, which `dir` must match. */
const CEK_BITS: Record<Enc, number> = {
  'A128CBC-HS256': 256,
  'A192CBC-HS384': 384,
  'A256CBC-HS512': 512,
  A128GCM: 128,
  A192GCM: 192,
  A256GCM: 256,
};

/** Every key management algorithm, with the realm key (use: enc) it encrypts to for each enc. */
const JWE_KEY_MANAGEMENT: readonly (readonly [alg: string, keyFor: (enc: Enc) => string])[] = [
  ['dir', (enc) => `oct-${CEK_BITS[enc]}`],
  ['A128KW', () => 'oct-128'],
  ['A192KW', () => 'oct-192'],
  ['A256KW', () => 'oct-256'],
  ['A128GCMKW', () => 'oct-128'],
  ['A192GCMKW', () => 'oct-192'],
  ['A256GCMKW', () => 'oct-256'],
  ...['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'].flatMap((alg) => [
    [alg, () => 'enc-p256'] as const,
    [alg, () => 'enc-x25519'] as const,
  ]),
  ['RSA-OAEP', () => 'enc-rsa'],
  ['RSA-OAEP-256', () => 'enc-rsa'],
];

interface JweCase {
  readonly instance: string;
  readonly alg: string;
  readonly enc: Enc;
  readonly kid: string;
}

const instanceName = (...parts: string[]): string => parts.join('-').replace(/[^A-Za-z0-9._-]/g, '_');

const JWE_CASES: JweCase[] = JWE_KEY_MANAGEMENT.flatMap(([alg, keyFor]) =>
  CONTENT_ENCRYPTION.map((enc) => ({ instance: instanceName('jwe', alg, keyFor(enc), enc), alg, enc, kid: keyFor(enc) })),
);

const REALM_KEYS: Json[] = [
  { kid: 'hs-256', use: 'sig', generate: { type: 'oct', size: 256 } },
  { kid: 'hs-384', use: 'sig', generate: { type: 'oct', size: 384 } },
  { kid: 'hs-512', use: 'sig', generate: { type: 'oct', size: 512 } },
  ...['rs256', 'rs384', 'rs512', 'ps256', 'ps384', 'ps512'].map((alg) => ({ kid: `rsa-${alg}`, use: 'sig', generate: { type: 'rsa', size: 2048 } })),
  { kid: 'ec-256', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
  { kid: 'ec-384', use: 'sig', generate: { type: 'ec', curve: 'P-384' } },
  { kid: 'ec-521', use: 'sig', generate: { type: 'ec', curve: 'P-521' } },
  { kid: 'ed-1', use: 'sig', generate: { type: 'okp', curve: 'Ed25519' } },
  ...[128, 192, 256, 384, 512].map((bits) => ({ kid: `oct-${bits}`, use: 'enc', generate: { type: 'oct', size: bits } })),
  { kid: 'enc-p256', use: 'enc', generate: { type: 'ec', curve: 'P-256' } },
  { kid: 'enc-x25519', use: 'enc', generate: { type: 'okp', curve: 'X25519' } },
  { kid: 'enc-rsa', use: 'enc', generate: { type: 'rsa', size: 2048 } },
];

/** The inner token of every JWE instance: an ES256 access token. */
function jwtInstance(accessToken: Json): Json {
  return {
    supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
    access_token: { issuer: 'https://sts.test', audience: 'api', client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-256', ...accessToken },
  };
}

function encrypted(encryption: Json): Json {
  return jwtInstance({ encryption });
}

// ---------------------------------------------------------------------------------------------
// Partner keys: private halves made here (openssl, node:crypto), public halves given to the STS

interface Partner {
  /** The private key jwcrypto decrypts with. */
  readonly privateJwk: JsonWebKey;
}

function nodeKeyPair(type: 'ec' | 'x25519', curve?: string): { privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const { privateKey, publicKey } =
    type === 'ec' ? generateKeyPairSync('ec', { namedCurve: curve! }) : generateKeyPairSync('x25519');
  return { privateJwk: privateKey.export({ format: 'jwk' }), publicJwk: publicKey.export({ format: 'jwk' }) };
}

/** A private PEM (from openssl) as a JWK for jwcrypto: node only re-encodes it. */
const pemToJwk = (file: string): JsonWebKey => createPrivateKey(readFileSync(file, 'utf8')).export({ format: 'jwk' });

function makePartners() {
  // A single JWK (JSON) with kid, use and alg.
  const jwk = nodeKeyPair('ec', 'P-256');
  const jwkFile = tempFile(JSON.stringify({ ...jwk.publicJwk, kid: 'partner-jwk', use: 'enc', alg: 'ECDH-ES+A256KW' }), '.json');
  // A JWKS whose first key is for signatures only: the STS must pick the enc key.
  const sigDecoy = nodeKeyPair('ec', 'P-384');
  const jwksEnc = nodeKeyPair('ec', 'P-384');
  const jwksFile = tempFile(
    JSON.stringify({
      keys: [
        { ...sigDecoy.publicJwk, kid: 'partner-sig', use: 'sig' },
        { ...jwksEnc.publicJwk, kid: 'partner-enc', use: 'enc' },
      ],
    }),
    '.json',
  );
  // A self-signed RSA certificate from openssl req -x509.
  const certKeyFile = tempPath('.key.pem');
  const certFile = tempPath('.crt.pem');
  opensslOk(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', certKeyFile, '-out', certFile, '-subj', '/CN=partner-rp', '-days', '2']);
  // An X25519 SPKI public key from openssl genpkey / pkey -pubout.
  const spkiKeyFile = tempPath('.key.pem');
  const spkiFile = tempPath('.pub.pem');
  opensslOk(['genpkey', '-algorithm', 'X25519', '-out', spkiKeyFile]);
  opensslOk(['pkey', '-in', spkiKeyFile, '-pubout', '-out', spkiFile]);
  // Served from a JWKS URL: again a signature key first.
  const remote = nodeKeyPair('ec', 'P-256');
  const remoteDecoy = nodeKeyPair('ec', 'P-256');
  const remoteJwks = {
    keys: [
      { ...remoteDecoy.publicJwk, kid: 'remote-sig', use: 'sig' },
      { ...remote.publicJwk, kid: 'remote-enc', use: 'enc' },
    ],
  };
  return {
    files: { jwkFile, jwksFile, certFile, spkiFile },
    remoteJwks,
    partners: {
      jwk: { privateJwk: jwk.privateJwk },
      jwks: { privateJwk: jwksEnc.privateJwk },
      cert: { privateJwk: pemToJwk(certKeyFile) },
      spki: { privateJwk: pemToJwk(spkiKeyFile) },
      url: { privateJwk: remote.privateJwk },
    } satisfies Record<string, Partner>,
  };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The JWS with `sub` changed and the signature kept: every verifier must refuse it. */
function tampered(jwt: string): string {
  const [header, , signature] = jwt.split('.');
  const payload = Buffer.from(JSON.stringify({ ...jwsParts(jwt).payload, sub: 'mallory' })).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

const jweHeader = (token: string): Json => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));

// ---------------------------------------------------------------------------------------------

describe('JOSE interop: our tokens checked by openssl and python3-jwcrypto', () => {
  let server: TestServer;
  let passwordHash: string;
  let realmJwks: PublicJwks;
  let partnerFiles: ReturnType<typeof makePartners>['files'];
  let partners: ReturnType<typeof makePartners>['partners'];
  let jwksServer: Server;
  let jwksFetches = 0;
  let jwksFetchesAtStart = -1;

  const tokens = new Map<string, string>();
  const results = new Map<string, JwcryptoResult>();

  async function translate(instance: string, output: Json = { token_type: 'JWT' }) {
    return server.post(`/rest-sts/${instance}?_action=translate`, {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: output,
    });
  }

  async function issue(instance: string, output?: Json): Promise<string> {
    const res = await translate(instance, output);
    if (res.status !== 200) throw new Error(`${instance}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.issued_token;
  }

  beforeAll(async () => {
    passwordHash = await testPasswordHash();
    const made = makePartners();
    partnerFiles = made.files;
    partners = made.partners;

    jwksServer = createServer((request, response) => {
      if (request.url !== '/jwks') {
        response.writeHead(404).end();
        return;
      }
      jwksFetches++;
      response.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' });
      response.end(JSON.stringify(made.remoteJwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    const downUrl = `http://127.0.0.1:${await closedPort()}/jwks`;

    const instances: Json = {};
    for (const [alg, kid] of JWS_CASES) instances[`jws-${alg}`] = jwtInstance({ signature_algorithm: alg, signing_key: kid });
    for (const c of JWE_CASES) instances[c.instance] = encrypted({ algorithm: c.alg, content_encryption: c.enc, key: c.kid });
    Object.assign(instances, {
      'jwe-no-kid': encrypted({ algorithm: 'A256KW', content_encryption: 'A256GCM', key: 'oct-256', include_kid: false }),
      'partner-jwk': encrypted({ algorithm: 'ECDH-ES+A256KW', content_encryption: 'A256GCM', public_key_file: partnerFiles.jwkFile }),
      'partner-jwks': encrypted({ algorithm: 'ECDH-ES', content_encryption: 'A128CBC-HS256', public_key_file: partnerFiles.jwksFile }),
      'partner-cert': encrypted({ algorithm: 'RSA-OAEP-256', content_encryption: 'A256GCM', public_key_file: partnerFiles.certFile, include_x5t: true }),
      'partner-spki': encrypted({ algorithm: 'ECDH-ES+A128KW', content_encryption: 'A128GCM', public_key_file: partnerFiles.spkiFile }),
      'partner-url': encrypted({ algorithm: 'ECDH-ES+A192KW', content_encryption: 'A192CBC-HS384', jwks_url: jwksUrl }),
      'partner-down': encrypted({ algorithm: 'ECDH-ES+A256KW', content_encryption: 'A256GCM', jwks_url: downUrl }),
      'oidc-jwe': {
        supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
        oidc: {
          issuer: 'https://sts.test',
          audience: 'rp-client',
          signature_algorithm: 'RS256',
          signing_key: 'rsa-rs256',
          encryption: { algorithm: 'RSA-OAEP', content_encryption: 'A128CBC-HS256', key: 'enc-rsa' },
        },
      },
    });

    server = await startTestServer({
      root: {
        realm: '/',
        identity_store: { type: 'file', users: [{ username: 'alice', password_hash: passwordHash }] },
        keys: REALM_KEYS,
        instances,
      },
    });
    jwksFetchesAtStart = jwksFetches;
    // The jwks_uri of https://sts.test, the issuer every instance shares: the keys of all of them.
    realmJwks = (await server.get('/jwks')).body;

    // Issue everything, then one python process checks it all.
    const issued = await mapLimit(
      [
        ...JWS_CASES.map(([alg]) => [`jws-${alg}`] as const),
        ...JWE_CASES.map((c) => [c.instance] as const),
        ['jwe-no-kid'] as const,
        ['partner-jwk'] as const,
        ['partner-jwks'] as const,
        ['partner-cert'] as const,
        ['partner-spki'] as const,
        ['partner-url'] as const,
        ['oidc-jwe', { token_type: 'OPENIDCONNECT', nonce: 'n-0S6_WzA2Mj' }] as const,
      ],
      8,
      async ([instance, output]) => [instance, await issue(instance, output)] as const,
    );
    for (const [instance, token] of issued) tokens.set(instance, token);

    const jobs: [string, JwcryptoJob][] = [];
    for (const [alg, kid] of JWS_CASES) {
      const token = tokens.get(`jws-${alg}`)!;
      const key = alg.startsWith('HS') ? { key: generatedKeyJwk(server.dataDir, kid) } : { jwks: realmJwks };
      jobs.push([`jws-${alg}`, { op: 'verify', token, alg, ...key }]);
      jobs.push([`jws-${alg}/tampered`, { op: 'verify', token: tampered(token), alg, ...key }]);
    }
    for (const c of [...JWE_CASES, { instance: 'jwe-no-kid', kid: 'oct-256' }]) {
      jobs.push([c.instance, { op: 'decrypt', token: tokens.get(c.instance)!, key: generatedKeyJwk(server.dataDir, c.kid), jwks: realmJwks, alg: 'ES256' }]);
    }
    for (const [name, partner] of Object.entries(partners)) {
      const instance = `partner-${name}`;
      jobs.push([instance, { op: 'decrypt', token: tokens.get(instance)!, key: partner.privateJwk, jwks: realmJwks, alg: 'ES256' }]);
    }
    // The wrong private key must not decrypt: a check that the checks can fail.
    jobs.push(['partner-jwk/wrong-key', { op: 'decrypt', token: tokens.get('partner-jwk')!, key: partners.url.privateJwk }]);
    jobs.push(['oidc-jwe', { op: 'decrypt', token: tokens.get('oidc-jwe')!, key: generatedKeyJwk(server.dataDir, 'enc-rsa'), jwks: realmJwks, alg: 'RS256' }]);
    const outcomes = runJwcrypto(jobs.map(([, job]) => job));
    jobs.forEach(([name], index) => results.set(name, outcomes[index]));
  });

  afterAll(async () => {
    await server?.close();
    jwksServer?.closeAllConnections();
    await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
    removeOpensslWorkDir();
  });

  // -------------------------------------------------------------------------------------------
  describe('JWS: every signature algorithm, issued as an access token', () => {
    it.each(JWS_CASES.map(([alg, kid]) => [alg, kid]))('%s (key %s): openssl verifies it and refuses it tampered', (alg, kid) => {
      const token = tokens.get(`jws-${alg}`)!;
      const { header, signature } = jwsParts(token);
      expect(header).toEqual({ alg, typ: 'at+jwt', kid });
      let key: { pemFile: string } | { secret: Buffer };
      if (alg.startsWith('HS')) {
        const secret = Buffer.from(readFileSync(join(server.dataDir, 'keys', `${kid}.secret`), 'utf8').trim(), 'base64url');
        expect(secret).toHaveLength(Number(alg.slice(2)) / 8);
        expect(signature).toHaveLength(Number(alg.slice(2)) / 8);
        key = { secret };
      } else {
        const jwk = realmJwks.keys.find((k) => (k as { kid?: string }).kid === kid);
        expect(jwk).toBeDefined();
        key = { pemFile: publicKeyPemFile(jwk!) };
      }
      if (alg.startsWith('ES')) expect(signature).toHaveLength({ ES256: 64, ES384: 96, ES512: 132 }[alg]!);
      const [status, output] = opensslVerifyJws(token, key);
      expect({ status, output }).toEqual({ status: 0, output: expect.stringMatching(/Verified OK|Verified Successfully|HMAC matches/) });
      expect(opensslVerifyJws(tampered(token), key)[0]).not.toBe(0);
    });

    it.each(JWS_CASES.map(([alg]) => [alg]))('%s: jwcrypto verifies it (alg enforced) and refuses it tampered', (alg) => {
      const result = results.get(`jws-${alg}`)!;
      expect(result.error).toBeUndefined();
      expect(result).toMatchObject({ ok: true, claims: { sub: 'alice', iss: 'https://sts.test', aud: 'api' } });
      const bad = results.get(`jws-${alg}/tampered`)!;
      expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^InvalidJWSSignature/) });
    });

    it('never publishes the HMAC secrets or the encryption keys in the JWKS', () => {
      const kids = realmJwks.keys.map((k) => (k as { kid?: string }).kid).sort();
      expect(kids).toEqual(['ec-256', 'ec-384', 'ec-521', 'ed-1', 'rsa-ps256', 'rsa-ps384', 'rsa-ps512', 'rsa-rs256', 'rsa-rs384', 'rsa-rs512']);
      for (const jwk of realmJwks.keys) {
        expect(jwk).not.toHaveProperty('d');
        expect(jwk).not.toHaveProperty('k');
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('JWE: every key management algorithm x content encryption, realm key (key:)', () => {
    it('covers 13 key management algorithms (ECDH-ES ones with P-256 and X25519) x 6 content encryptions', () => {
      expect(new Set(JWE_CASES.map((c) => c.alg)).size).toBe(13);
      expect(JWE_CASES).toHaveLength((7 + 4 * 2 + 2) * 6);
    });

    const byKeyManagement = JWE_KEY_MANAGEMENT.map(([alg, keyFor]) => [alg, keyFor('A128GCM').replace(/^oct-\d+$/, 'oct')] as const);
    it.each(byKeyManagement)('%s with %s: jwcrypto decrypts all six encs, header alg/enc/cty/kid, nested JWS verified', (alg, keyLabel) => {
      const cases = JWE_CASES.filter((c) => c.alg === alg && (keyLabel === 'oct' ? c.kid.startsWith('oct-') : c.kid === keyLabel));
      expect(cases.map((c) => c.enc)).toEqual([...CONTENT_ENCRYPTION]);
      for (const c of cases) {
        const token = tokens.get(c.instance)!;
        const result = results.get(c.instance)!;
        expect({ instance: c.instance, error: result.error }).toEqual({ instance: c.instance, error: undefined });
        expect(token.split('.')).toHaveLength(5);
        // Direct key agreement / direct encryption: no encrypted key.
        expect(token.split('.')[1] === '').toBe(alg === 'dir' || alg === 'ECDH-ES');
        expect(result.header).toMatchObject({ alg: c.alg, enc: c.enc, cty: 'JWT', kid: c.kid });
        expect(result.header).not.toHaveProperty('x5t');
        if (alg.startsWith('ECDH-ES')) {
          expect(result.header!.epk).toMatchObject(c.kid === 'enc-x25519' ? { kty: 'OKP', crv: 'X25519' } : { kty: 'EC', crv: 'P-256' });
        }
        expect(result.verified?.error).toBeUndefined();
        expect(result.verified).toMatchObject({ ok: true, header: { alg: 'ES256', typ: 'at+jwt', kid: 'ec-256' }, claims: { sub: 'alice' } });
        expect(result.inner!.split('.')).toHaveLength(3);
      }
    });

    it('leaves the kid out with include_kid: false', () => {
      const result = results.get('jwe-no-kid')!;
      expect(result.error).toBeUndefined();
      expect(result.header).toEqual({ alg: 'A256KW', enc: 'A256GCM', cty: 'JWT' });
      expect(result.verified?.ok).toBe(true);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('JWE to a partner key', () => {
    function expectDecrypted(instance: string, header: Json): void {
      const result = results.get(instance)!;
      expect({ instance, error: result.error }).toEqual({ instance, error: undefined });
      expect(result.header).toMatchObject({ cty: 'JWT', ...header });
      expect(result.verified?.error).toBeUndefined();
      expect(result.verified).toMatchObject({ ok: true, header: { alg: 'ES256', kid: 'ec-256' }, claims: { sub: 'alice', aud: 'api' } });
    }

    it('public_key_file as a JWK (JSON): kid from the JWK', () => {
      expectDecrypted('partner-jwk', { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'partner-jwk' });
      expect(results.get('partner-jwk/wrong-key')).toMatchObject({ ok: false, error: expect.stringMatching(/^InvalidJWEData/) });
    });

    it('public_key_file as a JWKS: the enc key, not the sig key listed first', () => {
      expectDecrypted('partner-jwks', { alg: 'ECDH-ES', enc: 'A128CBC-HS256', kid: 'partner-enc' });
      expect(results.get('partner-jwks')!.header!.epk).toMatchObject({ kty: 'EC', crv: 'P-384' });
    });

    it('public_key_file as a PEM certificate (openssl req -x509), with the x5t header = SHA-1 of its DER', () => {
      expectDecrypted('partner-cert', { alg: 'RSA-OAEP-256', enc: 'A256GCM', x5t: opensslX5t(partnerFiles.certFile) });
      // A certificate has no kid.
      expect(results.get('partner-cert')!.header).not.toHaveProperty('kid');
    });

    it('public_key_file as an SPKI PEM (X25519 from openssl genpkey)', () => {
      expectDecrypted('partner-spki', { alg: 'ECDH-ES+A128KW', enc: 'A128GCM' });
      expect(results.get('partner-spki')!.header!.epk).toMatchObject({ kty: 'OKP', crv: 'X25519' });
    });

    it('jwks_url on a loopback http server: fetched on first use only, then cached; the enc key is chosen', async () => {
      expect(jwksFetchesAtStart).toBe(0);
      expectDecrypted('partner-url', { alg: 'ECDH-ES+A192KW', enc: 'A192CBC-HS384', kid: 'remote-enc' });
      expect(jwksFetches).toBe(1);
      const again = await issue('partner-url');
      expect(jweHeader(again)).toMatchObject({ alg: 'ECDH-ES+A192KW', kid: 'remote-enc' });
      expect(jwksFetches).toBe(1);
    });

    it('a partner JWKS that cannot be fetched -> 503 encryption_keys_unavailable, and the server keeps serving', async () => {
      expectErrorBody(await translate('partner-down'), 503, 'encryption_keys_unavailable');
      expect((await translate('jwe-no-kid')).status).toBe(200);
      expectErrorBody(await translate('partner-down'), 503, 'encryption_keys_unavailable');
      expect((await server.get('/health/live')).status).toBe(200);
      expect(jweHeader(await issue('partner-jwk'))).toMatchObject({ kid: 'partner-jwk' });
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('JWE for ID tokens (oidc.encryption)', () => {
    it('wraps the RS256 ID token, which jwcrypto decrypts and verifies', () => {
      const result = results.get('oidc-jwe')!;
      expect(result.error).toBeUndefined();
      expect(result.header).toMatchObject({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', cty: 'JWT', kid: 'enc-rsa' });
      expect(result.verified?.error).toBeUndefined();
      expect(result.verified).toMatchObject({
        ok: true,
        header: { alg: 'RS256', typ: 'JWT', kid: 'rsa-rs256' },
        claims: { sub: 'alice', aud: 'rp-client', nonce: 'n-0S6_WzA2Mj' },
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('encryption settings refused at load', () => {
    const registry = new TokenTypeRegistry([builtinTokenTypes()]);
    const roots: string[] = [];
    afterAll(async () => {
      await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
    });

    /** Loads one instance over the realm keys, reusing the keys the server generated. */
    async function loadError(instance: Json): Promise<ConfigError> {
      const dir = await writeConfigDir({
        root: {
          realm: '/',
          identity_store: { type: 'file', users: [{ username: 'alice', password_hash: passwordHash }] },
          keys: REALM_KEYS,
          instances: { x: instance },
        },
      });
      roots.push(dir.root);
      let caught: unknown;
      try {
        await loadRealms({ configDir: dir.configDir, dataDir: server.dataDir, env: {}, registry });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      return caught as ConfigError;
    }

    async function expectRefused(instance: Json, path: string, message: RegExp): Promise<void> {
      const error = await loadError(instance);
      expect(error.problems).toContainEqual(
        expect.objectContaining({ file: expect.stringMatching(/realms\/root\.yaml$/), path, message: expect.stringMatching(message) }),
      );
    }

    it('a shared-secret algorithm with a partner public_key_file or jwks_url', async () => {
      await expectRefused(
        encrypted({ algorithm: 'A256KW', content_encryption: 'A256GCM', public_key_file: partnerFiles.jwkFile }),
        'instances.x.access_token.encryption.public_key_file',
        /A256KW uses a shared secret/,
      );
      await expectRefused(
        encrypted({ algorithm: 'dir', content_encryption: 'A256GCM', jwks_url: 'https://partner.example/jwks' }),
        'instances.x.access_token.encryption.jwks_url',
        /dir uses a shared secret/,
      );
    });

    it('dir with a secret of the wrong length', async () => {
      await expectRefused(
        encrypted({ algorithm: 'dir', content_encryption: 'A256GCM', key: 'oct-512' }),
        'instances.x.access_token.encryption.key',
        /dir with A256GCM needs a 32-byte secret; this one has 64/,
      );
      await expectRefused(
        encrypted({ algorithm: 'dir', content_encryption: 'A128CBC-HS256', key: 'oct-128' }),
        'instances.x.access_token.encryption.key',
        /needs a 32-byte secret; this one has 16/,
      );
      await expectRefused(
        encrypted({ algorithm: 'A192KW', content_encryption: 'A128GCM', key: 'oct-256' }),
        'instances.x.access_token.encryption.key',
        /needs a 24-byte secret; this one has 32/,
      );
    });

    it('a realm key with use: sig', async () => {
      await expectRefused(
        encrypted({ algorithm: 'ECDH-ES', content_encryption: 'A256GCM', key: 'ec-256' }),
        'instances.x.access_token.encryption.key',
        /"ec-256" has use "sig"; encryption needs a key with use "enc"/,
      );
      await expectRefused(
        encrypted({ algorithm: 'A256KW', content_encryption: 'A256GCM', key: 'hs-256' }),
        'instances.x.access_token.encryption.key',
        /use "sig"/,
      );
    });

    it('a key that does not suit the algorithm', async () => {
      await expectRefused(
        encrypted({ algorithm: 'RSA-OAEP', content_encryption: 'A256GCM', key: 'enc-p256' }),
        'instances.x.access_token.encryption.key',
        /RSA-OAEP needs an RSA key/,
      );
      await expectRefused(
        encrypted({ algorithm: 'ECDH-ES', content_encryption: 'A256GCM', public_key_file: partnerFiles.certFile }),
        'instances.x.access_token.encryption.public_key_file',
        /ECDH-ES needs an EC .* or X25519 key, not RSA/,
      );
    });

    it('a partner RSASSA-PSS-restricted public key (SPKI), which loads as RSA but cannot encrypt', async () => {
      const keyFile = tempPath('.key.pem');
      const spkiFile = tempPath('.pub.pem');
      opensslOk(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]);
      opensslOk(['pkey', '-in', keyFile, '-pubout', '-out', spkiFile]);
      await expectRefused(
        encrypted({ algorithm: 'RSA-OAEP-256', content_encryption: 'A256GCM', public_key_file: spkiFile }),
        'instances.x.access_token.encryption.public_key_file',
        /unsupported key type rsa-pss/,
      );
    });

    it('no key source, or two', async () => {
      await expectRefused(encrypted({ algorithm: 'RSA-OAEP', content_encryption: 'A256GCM' }), 'instances.x.access_token.encryption', /exactly one of/);
      await expectRefused(
        encrypted({ algorithm: 'RSA-OAEP', content_encryption: 'A256GCM', key: 'enc-rsa', public_key_file: partnerFiles.certFile }),
        'instances.x.access_token.encryption',
        /exactly one of key, public_key_file or jwks_url \(found key, public_key_file\)/,
      );
    });

    it('a jwks_url over plain http to a host that is not loopback', async () => {
      await expectRefused(
        encrypted({ algorithm: 'RSA-OAEP', content_encryption: 'A256GCM', jwks_url: 'http://partner.example/jwks' }),
        'instances.x.access_token.encryption.jwks_url',
        /https/,
      );
    });

    it('the same checks for oidc.encryption', async () => {
      await expectRefused(
        {
          supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
          oidc: {
            issuer: 'https://sts.test',
            audience: 'rp',
            signature_algorithm: 'ES256',
            signing_key: 'ec-256',
            encryption: { algorithm: 'dir', content_encryption: 'A256CBC-HS512', key: 'oct-256' },
          },
        },
        'instances.x.oidc.encryption.key',
        /needs a 64-byte secret; this one has 32/,
      );
    });

    it('accepts the realm keys and partner files the server uses (the refusals are about the one change each)', async () => {
      const dir = await writeConfigDir({
        root: {
          realm: '/',
          identity_store: { type: 'file', users: [{ username: 'alice', password_hash: passwordHash }] },
          keys: REALM_KEYS,
          instances: {
            a: encrypted({ algorithm: 'dir', content_encryption: 'A256GCM', key: 'oct-256' }),
            b: encrypted({ algorithm: 'RSA-OAEP', content_encryption: 'A256GCM', public_key_file: partnerFiles.certFile }),
          },
        },
      });
      roots.push(dir.root);
      await expect(loadRealms({ configDir: dir.configDir, dataDir: server.dataDir, env: {}, registry })).resolves.toBeDefined();
    });
  });
});

