/**
 * Keys held in a PKCS#11 token (SoftHSM2), over HTTP. The token and most keys are made by
 * softhsm2-util and pkcs11-tool (OpenSC); what the STS signs with them is checked by software we
 * did not write: python3-jwcrypto and openssl against the published JWKS, xmlsec1 against the
 * certificate pkcs11-tool reads out of the token, `openssl verify` against the CA certificate.
 * Then: the private key cannot be read out, the load-time refusals (file and key path, the PIN
 * never echoed), and a token that goes away at run time (503 key_unavailable, then recovery).
 */
import 'reflect-metadata';
import { verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkcs11 from 'pkcs11js';
import { generateKeyCommand } from '../../../src/cli/generate-key';
import { keysCommand } from '../../../src/cli/keys-command';
import { KeyLoadError, loadKey } from '../../../src/keys/key-loader';
import { loadKeyRing } from '../../../src/keys/rotation/key-ring-store';
import { packKey, unpackKey } from '../../../src/plugins/isolation/worker-protocol';
import type { KeyConfig } from '../../../src/realms/schema/key-config';
import { expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { runJwcrypto, type PublicJwks } from '../../support/jwcrypto';
import { openssl, opensslOk, opensslVerifyJws, publicKeyPemFile, removeOpensslWorkDir, tempFile, tempPath } from '../../support/openssl';
import { fileIdentityStore, oidcInstance, saml2Instance, testPasswordHash, usernameTo, usernameToOidc, DEMO_PASSWORD, type Json } from '../../support/realm-fixtures';
import { xmlsecVerify } from '../../support/saml-output-checks';
import { createSoftHsm, SOFTHSM_MODULE, type SoftHsm } from '../../support/softhsm';
import { startTestServer, startupError, writeConfigDir, type TestServer } from '../../support/test-server';
import { issuedToken } from '../../support/translate-results';

const PIN_ENV = 'STS_TEST_HSM_PIN';

let hsm: SoftHsm;
let passwordHash: string;
let caCertFile: string;

/** Runs a rest-sts command in this process; its exit code and what it printed. */
async function cli(command: typeof keysCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await command.run(args).catch((error: Error) => ((err += error.message), 1));
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** Runs `use` in a session of its own on the test token (pkcs11js directly), closed after. */
function withTokenSession<T>(use: (api: pkcs11.PKCS11, session: pkcs11.Handle) => T): T {
  const api = new pkcs11.PKCS11();
  api.load(SOFTHSM_MODULE);
  try {
    api.C_Initialize();
  } catch (error) {
    expect((error as Error).message).toMatch(/CKR_CRYPTOKI_ALREADY_INITIALIZED/); // the server's library, in this process
  }
  const slot = api.C_GetSlotList(true).find((s) => api.C_GetTokenInfo(s).label.trim() === hsm.label)!;
  const session = api.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    try {
      api.C_Login(session, pkcs11.CKU_USER, hsm.pin);
    } catch (error) {
      expect((error as Error).message).toMatch(/CKR_USER_ALREADY_LOGGED_IN/);
    }
    return use(api, session);
  } finally {
    api.C_CloseSession(session);
  }
}

const tokenArgs = (): string[] => ['--pkcs11', SOFTHSM_MODULE, '--token-label', hsm.label, '--pin-env', PIN_ENV];

function tokenKey(kid: string, pkcs11Settings: Json, extra: Json = {}): Json {
  return { kid, use: 'sig', pkcs11: { module: SOFTHSM_MODULE, token_label: hsm.label, pin_env: PIN_ENV, call_timeout_ms: 2000, ...pkcs11Settings }, ...extra };
}

function realm(keys: Json[], instances: Json = {}): Json {
  return {
    realm: '/',
    identity_store: fileIdentityStore(passwordHash, { alice: { mail: 'alice@example.com', cn: 'Alice' } }),
    keys,
    instances,
  };
}

beforeAll(async () => {
  hsm = await createSoftHsm('sts-e2e');
  process.env[PIN_ENV] = hsm.pin;
  passwordHash = await testPasswordHash();
  hsm.keypair('EC:prime256v1', 'es256', '01');
  hsm.keypair('rsa:2048', 'rs256', '02');
  hsm.keypair('rsa:2048', 'ps256', '03');
  hsm.keypair('EC:edwards25519', 'eddsa', '05');
  // pkcs11-tool only adds usages; a key pair without CKA_SIGN is made here.
  withTokenSession((api, session) =>
    api.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN },
      [{ type: pkcs11.CKA_TOKEN, value: true }, { type: pkcs11.CKA_ID, value: Buffer.from([4]) }, { type: pkcs11.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') }],
      [{ type: pkcs11.CKA_TOKEN, value: true }, { type: pkcs11.CKA_ID, value: Buffer.from([4]) }, { type: pkcs11.CKA_SIGN, value: false }, { type: pkcs11.CKA_DERIVE, value: true }],
    ),
  );
  // Made by our own command: in the token, with a certificate the token signed.
  expect(await cli(generateKeyCommand, [...tokenArgs(), '--label', 'saml', '--id', '10', '--type', 'ec', '--curve', 'P-256', '--subject', 'CN=STS SAML signer'])).toMatchObject({ code: 0 });
  caCertFile = tempPath('.ca.pem');
  const ca = await cli(generateKeyCommand, [...tokenArgs(), '--label', 'ca', '--id', '11', '--type', 'ec', '--curve', 'P-384', '--subject', 'CN=STS HSM CA', '--ca', '--cert-out', caCertFile]);
  expect(ca).toMatchObject({ code: 0, out: 'key_label: ca\nkey_id: 11\n' });
}, 60_000);
afterAll(() => {
  hsm?.remove();
  removeOpensslWorkDir();
  delete process.env[PIN_ENV];
});

describe('a realm with keys in a PKCS#11 token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      root: realm(
        [
          tokenKey('hsm-es256', { key_label: 'es256' }),
          tokenKey('hsm-rs256', { key_id: '02' }),
          tokenKey('hsm-ps256', { key_label: 'ps256', max_sessions: 2 }),
          tokenKey('hsm-eddsa', { key_label: 'eddsa' }),
          // Generated in the token by the server on start.
          tokenKey('hsm-es384', {}, { generate: { type: 'ec', curve: 'P-384' } }),
          tokenKey('hsm-saml', { key_label: 'saml' }),
          tokenKey('hsm-ca', { key_label: 'ca' }, { certificate_file: caCertFile }),
        ],
        {
          es256: oidcInstance('ES256', 'hsm-es256'),
          rs256: oidcInstance('RS256', 'hsm-rs256'),
          ps256: oidcInstance('PS256', 'hsm-ps256'),
          eddsa: oidcInstance('EdDSA', 'hsm-eddsa'),
          es384: oidcInstance('ES384', 'hsm-es384'),
          saml: saml2Instance({ issuer: 'https://sts.test', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', signing_key: 'hsm-saml', sign_assertion: true }),
          x509: { supported_token_transforms: [{ from: 'USERNAME', to: 'X509' }], x509_issuance: { ca_key: 'hsm-ca' } },
        },
      ),
    });
  }, 60_000);
  afterAll(() => server?.close());

  // Keys made by pkcs11-tool (EdDSA is Ed25519, which SoftHSM 2.6 supports); the ES384 one generated by the server.
  describe.each(['ES256', 'RS256', 'PS256', 'EdDSA', 'ES384'])('%s ID tokens', (alg) => {
    let token: string;
    let jwks: PublicJwks;
    beforeAll(async () => {
      const instance = alg.toLowerCase();
      token = issuedToken(await server.post(`/rest-sts/${instance}?_action=translate`, usernameToOidc('alice', DEMO_PASSWORD)));
      const res = await server.get(`/oauth2/${instance}/jwks`);
      expect(res.status).toBe(200);
      jwks = res.body;
    });

    it('are verified by jwcrypto against the published JWKS', () => {
      const [verified] = runJwcrypto([{ op: 'verify', token, alg, jwks }]);
      expect(verified).toMatchObject({ ok: true, header: { alg, kid: `hsm-${alg.toLowerCase()}` }, claims: { sub: 'alice' } });
    });

    it('are verified by openssl with the published key, and not once altered', () => {
      expect(jwks.keys).toHaveLength(1);
      const pemFile = publicKeyPemFile(jwks.keys[0]!);
      expect(opensslVerifyJws(token, { pemFile })).toEqual([0, expect.stringMatching(/Verified (OK|Successfully)/)]);
      const [header, , signature] = token.split('.');
      const altered = `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory' })).toString('base64url')}.${signature}`;
      expect(opensslVerifyJws(altered, { pemFile })[0]).not.toBe(0);
    });
  });

  it('signs SAML assertions that xmlsec1 verifies with the certificate pkcs11-tool reads from the token', async () => {
    const xml = issuedToken(await server.post('/rest-sts/saml?_action=translate', usernameTo('SAML2')));
    const derFile = tempPath('.der');
    const [status, output] = hsm.tool(['--read-object', '--type', 'cert', '--label', 'saml', '--output-file', derFile]);
    expect({ status, output }).toMatchObject({ status: 0 });
    const pemFile = tempFile(opensslOk(['x509', '-inform', 'der', '-in', derFile]), '.pem');
    expect(xml).toContain('ecdsa-sha256');
    expect(xmlsecVerify(xml, pemFile)).toEqual([0, expect.stringContaining('OK')]);
    expect(xmlsecVerify(xml.replace('alice', 'mallory'), pemFile)[0]).not.toBe(0);
  });

  it('issues certificates from a CSR with the CA key in the token; openssl verifies them and the CA self-signature', async () => {
    const csrFile = tempPath('.csr.pem');
    opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tempPath('.key.pem'), '-out', csrFile, '-subj', '/CN=alice']);
    const issued = issuedToken(await server.post('/rest-sts/x509?_action=translate', { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'X509', csr: readFileSync(csrFile, 'utf8') } }));
    expect(openssl(['verify', '-x509_strict', '-check_ss_sig', '-purpose', 'sslclient', '-CAfile', caCertFile, tempFile(issued, '.pem')])).toEqual([0, expect.stringMatching(/: OK\s*$/)]);
    expect(opensslOk(['x509', '-in', tempFile(issued, '.pem'), '-noout', '-issuer'])).toContain('STS HSM CA');
  });

  it('readiness reports the token UP and metrics count the calls', async () => {
    const ready = await server.get('/health/ready');
    expect(ready.body).toMatchObject({ status: 'UP', checks: { hsm: 'UP' } });
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const ok = /^sts_hsm_calls_total\{token="sts-e2e",result="ok"\} (\d+)$/m.exec(metrics);
    expect(Number(ok?.[1])).toBeGreaterThanOrEqual(7);
    expect(metrics).toMatch(/^sts_hsm_token_up\{token="sts-e2e"\} 1$/m);
  });

  it('answers 503 key_unavailable while the token is gone, and signs again once it is back', async () => {
    const translate = () => server.post('/rest-sts/es256?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    hsm.takeAway();
    try {
      expectErrorBody(await translate(), 503, 'key_unavailable');
      expectErrorBody(await translate(), 503, 'key_unavailable');
      expect((await server.get('/health/ready')).body).toMatchObject({ status: 'DEGRADED', checks: { hsm: 'DOWN' } });
      const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^sts_hsm_token_up\{token="sts-e2e"\} 0$/m);
      expect(metrics).toMatch(/^sts_hsm_calls_total\{token="sts-e2e",result="error"\} [1-9]/m);
    } finally {
      hsm.bringBack();
    }
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await translate()).status;
    }
    expect(status).toBe(200);
    expect((await server.get('/health/ready')).body).toMatchObject({ status: 'UP', checks: { hsm: 'UP' } });
  }, 30_000);
});

describe('signatures at once', () => {
  it('200 signatures in parallel over several sessions all verify (the library is initialised for threads)', async () => {
    const key = await loadKey(tokenKey('k', { key_label: 'es256', max_sessions: 8 }) as KeyConfig, { configDir: tmpdir(), dataDir: tmpdir(), env: process.env });
    const data = Array.from({ length: 200 }, (_, i) => Buffer.from(`message ${i}`));
    const signatures = await Promise.all(data.map((message) => key.signer!.sign({ padding: 'ecdsa', hash: 'sha256' }, message)));
    const valid = signatures.map((signature, i) => verify('sha256', data[i]!, { key: key.publicKey!, dsaEncoding: 'ieee-p1363' }, signature));
    expect(valid).toEqual(Array(200).fill(true));
  });

  it('a token key reaches plugin worker threads with its public parts only (a token session cannot cross threads)', async () => {
    const key = await loadKey(tokenKey('k', { key_label: 'saml' }) as KeyConfig, { configDir: tmpdir(), dataDir: tmpdir(), env: process.env });
    const packed = packKey(key);
    expect(packed).not.toHaveProperty('signer');
    const copy = unpackKey(structuredClone(packed));
    expect(copy.publicKey!.equals(key.publicKey!)).toBe(true);
    expect(copy.certificate!.raw).toEqual(key.certificate!.raw);
  });
});

describe('keys the server generates in the token', () => {
  const DAY = 86_400_000;

  it('a rotating key: each version generated in the token (with a certificate the token signed), published ahead, then signing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sts-hsm-ring-'));
    try {
      const config = { ...tokenKey('rot', {}), generate: { type: 'ec', curve: 'P-256' }, rotation: { every_days: 30, prepublish_days: 7 } } as unknown as KeyConfig;
      const start = Date.now();
      const ringAt = (now: number) => {
        const context = { configDir: tmpdir(), dataDir, env: process.env, clock: () => now };
        return loadKeyRing(config, context, 3600_000, (c) => loadKey(c, context));
      };
      const first = await ringAt(start);
      expect(first.versions.map((v) => v.key.kid)).toEqual(['rot.v1']);
      const later = await ringAt(start + 24 * DAY);
      expect(later.versions.map((v) => v.key.kid)).toEqual(['rot.v1', 'rot.v2']);
      expect(later.activeAt(start + 24 * DAY).kid).toBe('rot.v1');
      expect(later.activeAt(start + 32 * DAY).kid).toBe('rot.v2');
      expect(later.versions[0]!.key.publicKey!.equals(first.versions[0]!.key.publicKey!)).toBe(true); // v1 reused, not made again

      const [status, listing] = hsm.tool(['--list-objects']);
      expect(status).toBe(0);
      for (const label of ['rot.v1', 'rot.v2']) {
        expect(listing).toMatch(new RegExp(`Private Key Object; EC\\s+label:\\s+${label.replace('.', '\\.')}\\n(?:.*\\n){0,3}?\\s+Access:\\s+sensitive, always sensitive, never extractable`));
        expect(listing).toMatch(new RegExp(`Certificate Object; type = X\\.509 cert\\s+label:\\s+${label.replace('.', '\\.')}\\n`));
      }
      const v2 = later.versions[1]!.key;
      const certFile = tempFile(v2.certificate!.toString(), '.pem');
      expect(openssl(['verify', '-check_ss_sig', '-CAfile', certFile, certFile])).toEqual([0, expect.stringMatching(/: OK\s*$/)]);
      const signature = await v2.signer!.sign({ padding: 'ecdsa', hash: 'sha256' }, Buffer.from('payload'));
      expect(verify('sha256', Buffer.from('payload'), { key: v2.publicKey!, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);

      // Once v2 signs and v1's tokens have expired, v1 is deleted from the token.
      const retired = await ringAt(start + 32 * DAY);
      expect(retired.versions.map((v) => v.key.kid)).toEqual(['rot.v2']);
      const after = hsm.tool(['--list-objects'])[1];
      expect(after).not.toMatch(/label:\s+rot\.v1\n/);
      expect(after).toMatch(/label:\s+rot\.v2\n/);
      expect(existsSync(join(dataDir, 'keys', 'rot.v1.pkcs11-id'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to generate an HMAC secret or an X25519 key in the token, and key_label beside generate', async () => {
    const context = { configDir: tmpdir(), dataDir: tmpdir(), env: process.env };
    const refusal = (config: Json) => loadKey(config as KeyConfig, context).then(() => undefined, (error: KeyLoadError) => ({ field: error.field, message: error.message }));
    expect(await refusal({ ...tokenKey('s', {}), generate: { type: 'oct', size: 256 } })).toEqual({ field: 'generate.type', message: expect.stringContaining('rsa, ec or okp') });
    expect(await refusal({ ...tokenKey('x', {}), generate: { type: 'okp', curve: 'X25519' } })).toEqual({ field: 'generate.curve', message: expect.stringContaining('not X25519') });
    expect(await refusal({ ...tokenKey('l', { key_label: 'es256' }), generate: { type: 'ec' } })).toEqual({ field: 'generate', message: expect.stringContaining('no key_label or key_id') });
  });

  it('stores nothing when the token refuses the PIN, so a later start with the right one generates the key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sts-hsm-gen-'));
    try {
      process.env.STS_TEST_GEN_BAD_PIN = 'bad-pin-1234';
      const context = { configDir: tmpdir(), dataDir, env: process.env };
      const refused = await loadKey({ ...tokenKey('later', { pin_env: 'STS_TEST_GEN_BAD_PIN' }), generate: { type: 'ec' } } as unknown as KeyConfig, context).catch((error: KeyLoadError) => error);
      expect(refused).toMatchObject({ field: 'pkcs11.pin_env', message: expect.stringContaining('the PIN is wrong') });
      expect(existsSync(join(dataDir, 'keys', 'later.pkcs11-id'))).toBe(false);
      const key = await loadKey({ ...tokenKey('later', {}), generate: { type: 'ec' } } as unknown as KeyConfig, context);
      expect(key).toMatchObject({ kid: 'later', family: 'EC', curve: 'P-256' });
    } finally {
      delete process.env.STS_TEST_GEN_BAD_PIN;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the private key never leaves the token', () => {
  it('pkcs11-tool reads no private key out and lists every key as sensitive and never extractable', () => {
    const out = tempPath('.der');
    hsm.tool(['--read-object', '--type', 'privkey', '--label', 'es256', '--output-file', out]);
    expect(existsSync(out)).toBe(false);
    const [status, listing] = hsm.tool(['--list-objects', '--type', 'privkey']);
    expect(status).toBe(0);
    for (const label of ['es256', 'rs256', 'saml', 'ca']) {
      expect(listing).toMatch(new RegExp(`label:\\s+${label}\\n(?:.*\\n){0,3}?\\s+Access:\\s+sensitive, always sensitive, never extractable`));
    }
  });

  it('C_GetAttributeValue(CKA_VALUE) is refused, for keys made by pkcs11-tool and by generate-key --pkcs11', () => {
    withTokenSession((api, session) => {
      for (const label of ['es256', 'saml', 'ca']) {
        api.C_FindObjectsInit(session, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }, { type: pkcs11.CKA_LABEL, value: label }]);
        const [key] = api.C_FindObjects(session, 1);
        api.C_FindObjectsFinal(session);
        expect(key).toBeDefined();
        expect(() => api.C_GetAttributeValue(session, key!, [{ type: pkcs11.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
        const [extractable] = api.C_GetAttributeValue(session, key!, [{ type: pkcs11.CKA_EXTRACTABLE }]);
        expect(extractable!.value).toEqual(Buffer.from([0]));
      }
    });
  });
});

describe('rest-sts keys --pkcs11', () => {
  it('lists the token keys with their type, sign flag and certificate', async () => {
    const { code, out } = await cli(keysCommand, tokenArgs());
    expect(code).toBe(0);
    expect(out).toContain('label="es256" id=01 type="EC P-256" sign=yes extractable=no certificate=no');
    expect(out).toContain('label="rs256" id=02 type="RSA-2048" sign=yes');
    expect(out).toContain('label="saml" id=10 type="EC P-256" sign=yes extractable=no certificate=yes');
    expect(out).toContain('label="ca" id=11 type="EC P-384" sign=yes extractable=no certificate=no');
  });

  it('refuses a wrong PIN without printing it, and an unknown token', async () => {
    process.env.STS_TEST_WRONG_PIN = 'wrong-pin-4711';
    const wrong = await cli(keysCommand, ['--pkcs11', SOFTHSM_MODULE, '--token-label', hsm.label, '--pin-env', 'STS_TEST_WRONG_PIN']);
    expect(wrong).toMatchObject({ code: 1, err: expect.stringContaining('the PIN is wrong') });
    expect(wrong.err).not.toContain('wrong-pin-4711');
    const missing = await cli(keysCommand, ['--pkcs11', SOFTHSM_MODULE, '--token-label', 'no-such-token', '--pin-env', PIN_ENV]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('no token labelled "no-such-token"') });
  });

  it('generate-key --pkcs11 refuses to reuse a label and to write the private key out', async () => {
    const again = await cli(generateKeyCommand, [...tokenArgs(), '--label', 'es256', '--type', 'ec']);
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining('already holds objects with label "es256"') });
    const out = await cli(generateKeyCommand, [...tokenArgs(), '--label', 'new', '--type', 'ec', '--out', tempPath()]);
    expect(out).toMatchObject({ code: 1, err: expect.stringContaining('--out does not apply with --pkcs11') });
  });
});

describe('load-time refusals', () => {
  async function refusal(key: Json, env: Record<string, string> = {}) {
    Object.assign(process.env, env);
    const dir = await writeConfigDir({ root: realm([key], { es256: oidcInstance('ES256', key.kid) }) });
    try {
      return await startupError(dir);
    } finally {
      for (const name of Object.keys(env)) delete process.env[name];
    }
  }

  it('a wrong PIN: named by its variable, never echoed', async () => {
    const error = await refusal(tokenKey('k', { key_label: 'es256', pin_env: 'STS_TEST_BAD_PIN' }), { STS_TEST_BAD_PIN: 'not-the-pin-9876' });
    expectConfigProblem(error, 'keys[0].pkcs11.pin_env', /token "sts-e2e" refused the login: the PIN is wrong/);
    expect(error.message).not.toContain('not-the-pin-9876');
  });

  it('a PIN variable that is not set', async () => {
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256', pin_env: 'STS_TEST_UNSET_PIN' })), 'keys[0].pkcs11.pin_env', /STS_TEST_UNSET_PIN is not set/);
  });

  it('a token that is not there', async () => {
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256', token_label: 'absent' })), 'keys[0].pkcs11.token_label', /no token labelled "absent"/);
  });

  it('a library that cannot be loaded', async () => {
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256', module: '/nonexistent/libpkcs11.so' })), 'keys[0].pkcs11.module', /cannot load the PKCS#11 library \/nonexistent\/libpkcs11.so/);
  });

  it('a key that is not in the token', async () => {
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'nope' })), 'keys[0].pkcs11.key_label', /no private key labelled "nope" in token "sts-e2e"/);
  });

  it('a key not allowed to sign', async () => {
    expectConfigProblem(await refusal(tokenKey('k', { key_id: '04' })), 'keys[0].pkcs11.key_id', /not allowed to sign \(CKA_SIGN is false\)/);
  });

  it('an algorithm the key does not suit (RS256 with the EC key)', async () => {
    const dir = await writeConfigDir({ root: realm([tokenKey('k', { key_label: 'es256' })], { rs: oidcInstance('RS256', 'k') }) });
    expectConfigProblem(await startupError(dir), 'instances.rs.oidc.signing_key', /RS256 needs an RSA key but "k" is EC/);
  });

  it('use: enc, rotation, and neither or both of pin_env and pin_file', async () => {
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256' }, { use: 'enc' })), 'keys[0].use', /signs only/);
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256' }, { rotation: { every_days: 30 } })), 'keys[0].rotation', /rotat/);
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256', pin_file: 'pin.txt' })), 'keys[0].pkcs11', /exactly one of pin_env or pin_file/);
  });

  it('a certificate_file that certifies another key', async () => {
    const other = tempFile(opensslOk(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', tempPath(), '-subj', '/CN=other', '-days', '1']), '.pem');
    expectConfigProblem(await refusal(tokenKey('k', { key_label: 'es256' }, { certificate_file: other })), 'keys[0].certificate_file', /does not certify the key/);
  });
});

