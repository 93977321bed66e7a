/**
 * Output type X509 (SPEC 3 `x509_issuance:`, 4.1 `X509 {csr}`): short-lived client certificates
 * signed from a PKCS#10 request, over HTTP. openssl makes the CAs and the CSRs, and checks every
 * certificate we issue (`openssl verify`, `openssl x509 -text`); nothing here trusts the library
 * that made them. Then the load-time refusals of an x509_issuance that could not issue.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ConfigError } from '../../../src/realms/config-problem';
import { configErrorOf, expectConfigProblem } from '../../support/config-errors';
import { loadRealms } from '../../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { expectErrorBody } from '../../support/error-body';
import { openssl, opensslOk, removeOpensslWorkDir, tempFile, tempPath } from '../../support/openssl';
import { DEMO_PASSWORD, testPasswordHash } from '../../support/realm-fixtures';
import { startTestServer, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const EC_CA_KEY_ID = '0102030405060708090A0B0C0D0E0F1011121314';
/** The subject every test CSR asks for; the certificates must never carry it. */
const CSR_SUBJECT = '/CN=mallory/O=Evil Corp';

interface CaFiles {
  readonly keyFile: string;
  readonly certFile: string;
}

/** A CA made by openssl: a self-signed certificate with the extensions given (default: a proper CA). */
function makeCa(newkey: string[], subject: string, extensions: string[], days = 30): CaFiles {
  const keyFile = tempPath('.key.pem');
  const certFile = tempPath('.crt.pem');
  opensslOk([
    'req', '-x509', ...newkey, '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', subject, '-days', String(days),
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ]);
  return { keyFile, certFile };
}

const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
const RSA_2048 = ['-newkey', 'rsa:2048'];
const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/** A CSR made by `openssl req -new`, asking for a subject and extensions of its own. */
function makeCsr(newkey: string[]): string {
  const out = tempPath('.csr.pem');
  opensslOk([
    'req', '-new', ...newkey, '-nodes', '-keyout', tempPath('.key.pem'), '-out', out, '-subj', CSR_SUBJECT,
    '-addext', 'subjectAltName=DNS:evil.example,email:mallory@evil.example',
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ]);
  return readFileSync(out, 'utf8');
}

function translateBody(output: Json, username = 'alice', password = DEMO_PASSWORD): Json {
  return {
    input_token_state: { token_type: 'USERNAME', username, password },
    output_token_state: { token_type: 'X509', ...output },
  };
}

function x509Instance(issuance: Json | undefined): Json {
  return {
    supported_token_transforms: [{ from: 'USERNAME', to: 'X509' }],
    ...(issuance && { x509_issuance: issuance }),
  };
}

/** `openssl x509 -noout <args>` of a PEM certificate. */
function x509Out(pem: string, ...args: string[]): string {
  return opensslOk(['x509', '-in', tempFile(pem, '.pem'), '-noout', ...args]);
}

/** openssl's verdict on a certificate against exactly one CA, as a TLS client certificate (RFC 5280 strictly, unless told). */
function opensslVerify(caFile: string, pem: string, strict = true): [number, string] {
  return openssl(['verify', ...(strict ? ['-x509_strict'] : []), '-purpose', 'sslclient', '-CAfile', caFile, tempFile(pem, '.pem')]);
}

/** notAfter - notBefore in seconds, as openssl reads them. */
function validitySeconds(pem: string): number {
  const out = x509Out(pem, '-startdate', '-enddate', '-dateopt', 'iso_8601');
  const date = (name: string) => Date.parse(out.match(new RegExp(`${name}=(\\S+) (\\S+)`))!.slice(1).join('T'));
  return (date('notAfter') - date('notBefore')) / 1000;
}

function serialOf(pem: string): string {
  return x509Out(pem, '-serial').trim().replace(/^serial=/, '');
}

/** The CSR with one byte of its (signed) subject changed, so its signature no longer verifies. */
function tamper(csrPem: string): string {
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const at = der.indexOf(Buffer.from('mallory'));
  expect(at).toBeGreaterThan(0);
  der[at] = 'n'.charCodeAt(0);
  return pem('CERTIFICATE REQUEST', der);
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

let passwordHash: string;
let rsaCa: CaFiles;
let ecCa: CaFiles;
let rsaCsr: string;
let ecCsr: string;
beforeAll(async () => {
  passwordHash = await testPasswordHash();
  rsaCa = makeCa(RSA_2048, '/CN=Test CA', CA_EXTENSIONS);
  // A subjectKeyIdentifier that is not the SHA-1 of the key: the certificates' AKI must copy it.
  // (No AKI in this root: openssl would compute one from the key, and then the root no longer looks self-signed.)
  ecCa = makeCa(EC_P256, '/O=Test/CN=Test EC CA', [
    ...CA_EXTENSIONS,
    `subjectKeyIdentifier=${EC_CA_KEY_ID}`,
    'authorityKeyIdentifier=none',
  ]);
  rsaCsr = makeCsr(RSA_2048);
  ecCsr = makeCsr(EC_P256);
});
afterAll(() => removeOpensslWorkDir());

describe('USERNAME -> X509 client certificates over HTTP', () => {
  let server: TestServer;
  let shortCa: CaFiles;
  let noSkiCa: CaFiles;

  beforeAll(async () => {
    shortCa = makeCa(EC_P256, '/CN=Short-lived CA', CA_EXTENSIONS, 1);
    noSkiCa = makeCa(EC_P256, '/CN=CA without SKI', [...CA_EXTENSIONS, 'subjectKeyIdentifier=none', 'authorityKeyIdentifier=none']);
    server = await startTestServer({
      root: {
        realm: '/',
        identity_store: {
          type: 'file',
          users: [
            {
              username: 'alice',
              password_hash: passwordHash,
              attributes: {
                mail: 'alice@example.com',
                hosts: ['alice-laptop.example.com', 'not a host name', 'alice-phone.example.com'],
                site: 'https://alice.example.com/profile',
                cn: 'Alice Example',
              },
            },
            // None of the mapped attributes.
            { username: 'bob', password_hash: passwordHash, attributes: { cn: 'Bob' } },
            // A name with every character a DN string would have to escape, and some that are not ASCII.
            { username: '#Zoë, "ops" + admin=1; <x>\\', password_hash: passwordHash, attributes: { mail: 'zoë@example.com' } },
          ],
        },
        keys: [
          { kid: 'ca-rsa', use: 'sig', private_key_file: rsaCa.keyFile, certificate_file: rsaCa.certFile },
          { kid: 'ca-ec', use: 'sig', private_key_file: ecCa.keyFile, certificate_file: ecCa.certFile },
          { kid: 'ca-short', use: 'sig', private_key_file: shortCa.keyFile, certificate_file: shortCa.certFile },
          { kid: 'ca-no-ski', use: 'sig', private_key_file: noSkiCa.keyFile, certificate_file: noSkiCa.certFile },
        ],
        instances: {
          rsa: x509Instance({
            ca_key: 'ca-rsa',
            certificate_lifetime_minutes: 30,
            subject_alt_names: { email: 'mail', dns: 'hosts', uri: 'site' },
          }),
          ec: x509Instance({ ca_key: 'ca-ec' }),
          // The certificate would outlive its CA (2 days against 1).
          short: x509Instance({ ca_key: 'ca-short', certificate_lifetime_minutes: 2880 }),
          'no-ski': x509Instance({ ca_key: 'ca-no-ski' }),
        },
      },
    });
  });
  afterAll(() => server.close());

  const translate = (instance: string, output: Json, username = 'alice', password = DEMO_PASSWORD): Promise<TestResponse> =>
    server.post(`/rest-sts/${instance}?_action=translate`, translateBody(output, username, password));

  async function issue(instance: string, csr: string, username = 'alice'): Promise<string> {
    const res = await translate(instance, { csr }, username);
    expect({ status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ status: 200, body: 'ok' });
    expect(Object.keys(res.body)).toEqual(['issued_token']);
    expect(res.body.issued_token).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/);
    return res.body.issued_token;
  }

  describe('from an RSA-2048 CSR, signed by the RSA CA', () => {
    let issued: string;
    let text: string;
    beforeAll(async () => {
      issued = await issue('rsa', rsaCsr);
      text = x509Out(issued, '-text');
    });

    it('verifies with openssl against the CA, strictly, as a TLS client certificate', () => {
      expect(opensslVerify(rsaCa.certFile, issued)).toEqual([0, expect.stringMatching(/: OK\s*$/)]);
    });

    it('does not verify against another CA (so the verification above means something)', () => {
      expect(opensslVerify(ecCa.certFile, issued)[0]).not.toBe(0);
    });

    it('names the principal as subject, not what the CSR asked for, and the CA as issuer', () => {
      expect(x509Out(issued, '-subject', '-issuer', '-nameopt', 'RFC2253')).toBe('subject=CN=alice\nissuer=CN=Test CA\n');
    });

    it('certifies the public key of the CSR', () => {
      const csrKey = opensslOk(['req', '-in', tempFile(rsaCsr), '-noout', '-pubkey']);
      expect(x509Out(issued, '-pubkey')).toBe(csrKey);
    });

    it('has SANs from the identity attributes only (valid DNS names only), none from the CSR', () => {
      expect(x509Out(issued, '-ext', 'subjectAltName')).toMatch(
        /\n\s+email:alice@example\.com, DNS:alice-laptop\.example\.com, DNS:alice-phone\.example\.com, URI:https:\/\/alice\.example\.com\/profile\n$/,
      );
      expect(text).not.toMatch(/evil|mallory/i);
    });

    it('is an end-entity certificate for TLS client authentication', () => {
      expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
      expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
      expect(text).toMatch(/X509v3 Subject Key Identifier: \n\s+[0-9A-F]{2}(:[0-9A-F]{2}){19}\n/);
    });

    it('is signed with SHA-256 and RSASSA-PKCS1-v1_5', () => {
      expect(text.match(/Signature Algorithm: (\S+)/g)).toEqual(['Signature Algorithm: sha256WithRSAEncryption', 'Signature Algorithm: sha256WithRSAEncryption']);
    });

    it('lives the configured 30 minutes, from 60 seconds in the past', () => {
      expect(validitySeconds(issued)).toBe(30 * 60 + 60);
    });

    it('has a positive serial number of at most 16 bytes', () => {
      const serial = serialOf(issued);
      expect(serial).toMatch(/^[0-9A-F]+$/);
      expect(serial.length).toBeLessThanOrEqual(32);
      expect(BigInt(`0x${serial}`)).toBeGreaterThan(0n);
    });
  });

  describe('from an EC P-256 CSR, signed by the EC CA', () => {
    let issued: string;
    let text: string;
    beforeAll(async () => {
      issued = await issue('ec', ecCsr);
      text = x509Out(issued, '-text');
    });

    it('verifies with openssl against the EC CA', () => {
      expect(opensslVerify(ecCa.certFile, issued)).toEqual([0, expect.stringMatching(/: OK\s*$/)]);
      expect(opensslVerify(rsaCa.certFile, issued)[0]).not.toBe(0);
    });

    it('is signed with ECDSA and SHA-256, by the CA named as issuer', () => {
      expect(text.match(/Signature Algorithm: (\S+)/g)).toEqual(['Signature Algorithm: ecdsa-with-SHA256', 'Signature Algorithm: ecdsa-with-SHA256']);
      expect(x509Out(issued, '-subject', '-issuer', '-nameopt', 'RFC2253')).toBe('subject=CN=alice\nissuer=CN=Test EC CA,O=Test\n');
    });

    it("identifies the CA by the CA certificate's own subjectKeyIdentifier", () => {
      const keyId = EC_CA_KEY_ID.match(/../g)!.join(':');
      expect(opensslOk(['x509', '-in', ecCa.certFile, '-noout', '-ext', 'subjectKeyIdentifier'])).toContain(keyId);
      expect(text).toMatch(new RegExp(`X509v3 Authority Key Identifier: \\n\\s+(keyid:)?${keyId}\\n`));
    });

    it('has keyUsage digitalSignature only (no keyEncipherment for an EC key), EKU clientAuth, CA:FALSE', () => {
      expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
      expect(text).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
      expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    });

    it('lives the default 60 minutes, from 60 seconds in the past, and has no SAN without a mapping', () => {
      expect(validitySeconds(issued)).toBe(60 * 60 + 60);
      expect(text).not.toContain('Subject Alternative Name');
    });
  });

  it('issues from an Ed25519 CSR', async () => {
    const issued = await issue('ec', makeCsr(['-newkey', 'ed25519']));
    expect(opensslVerify(ecCa.certFile, issued)).toEqual([0, expect.stringMatching(/: OK\s*$/)]);
    expect(x509Out(issued, '-text')).toMatch(/Public Key Algorithm: ED25519/);
  });

  it('gives every certificate its own serial number, even for the same CSR', async () => {
    const serials = new Set<string>();
    for (const instance of ['rsa', 'rsa', 'ec', 'ec']) {
      const issued = await issue(instance, instance === 'rsa' ? rsaCsr : ecCsr);
      expect(opensslVerify(instance === 'rsa' ? rsaCa.certFile : ecCa.certFile, issued)[0]).toBe(0);
      serials.add(serialOf(issued));
    }
    expect(serials.size).toBe(4);
  });

  it('leaves out the SAN extension when the user has none of the mapped attributes', async () => {
    const issued = await issue('rsa', ecCsr, 'bob');
    expect(opensslVerify(rsaCa.certFile, issued)[0]).toBe(0);
    expect(x509Out(issued, '-subject', '-nameopt', 'RFC2253')).toBe('subject=CN=bob\n');
    expect(x509Out(issued, '-text')).not.toContain('Subject Alternative Name');
  });

  it('writes the principal literally (UTF8String), whatever a DN string would have to escape', async () => {
    const username = '#Zoë, "ops" + admin=1; <x>\\';
    const issued = await issue('rsa', ecCsr, username);
    expect(opensslVerify(rsaCa.certFile, issued)[0]).toBe(0);
    // One RDN with one attribute: a CN holding the whole name, as UTF-8.
    const subject = x509Out(issued, '-subject', '-nameopt', 'sep_multiline,utf8,-esc_msb,show_type');
    expect(subject).toBe(`subject=\n    CN=UTF8STRING:${username}\n`);
    // A non-ASCII mail cannot be an rfc822Name (IA5String): left out rather than mangled.
    expect(x509Out(issued, '-text')).not.toContain('Subject Alternative Name');
  });

  it('never lets the certificate outlive its CA', async () => {
    const issued = await issue('short', ecCsr);
    expect(opensslVerify(shortCa.certFile, issued)[0]).toBe(0);
    expect(x509Out(issued, '-enddate')).toBe(opensslOk(['x509', '-in', shortCa.certFile, '-noout', '-enddate']));
  });

  it('identifies a CA certificate without subjectKeyIdentifier by the SHA-1 of its key, as openssl would', async () => {
    expect(opensslOk(['x509', '-in', noSkiCa.certFile, '-noout', '-text'])).not.toContain('Key Identifier');
    const issued = await issue('no-ski', ecCsr);
    // Not -x509_strict: that refuses the CA itself, for lacking the SKI RFC 5280 asks of CA certificates.
    expect(opensslVerify(noSkiCa.certFile, issued, false)).toEqual([0, expect.stringMatching(/: OK\s*$/)]);
    // openssl's own key identifier for that key: the SKI of a certificate it makes for it.
    const sameKey = tempPath('.pem');
    opensslOk(['req', '-x509', '-key', noSkiCa.keyFile, '-out', sameKey, '-subj', '/CN=same key', '-days', '1']);
    const keyId = opensslOk(['x509', '-in', sameKey, '-noout', '-ext', 'subjectKeyIdentifier']).match(/([0-9A-F]{2}(:[0-9A-F]{2}){19})/)![1];
    expect(x509Out(issued, '-ext', 'authorityKeyIdentifier')).toMatch(new RegExp(`\\n\\s+(keyid:)?${keyId}\\n`));
  });

  describe('refused requests', () => {
    it('without csr', async () => {
      expectErrorBody(await translate('rsa', {}), 400, 'invalid_request');
    });

    it('with a csr that is not a string', async () => {
      expectErrorBody(await translate('rsa', { csr: 42 }), 400, 'invalid_request');
      expectErrorBody(await translate('rsa', { csr: [rsaCsr] }), 400, 'invalid_request');
    });

    it('with a csr that is not a PEM certificate request', async () => {
      for (const csr of ['', 'hello', readFileSync(rsaCa.certFile, 'utf8'), rsaCsr.replace(/[A-Za-z0-9+/]{8}\n/, '!!!!!!!!\n')]) {
        expectErrorBody(await translate('rsa', { csr }), 400, 'invalid_request');
      }
    });

    it('with more than one certificate request, or one longer than 16 KiB', async () => {
      expectErrorBody(await translate('rsa', { csr: rsaCsr + ecCsr }), 400, 'invalid_request');
      expectErrorBody(await translate('rsa', { csr: `${'x'.repeat(16 * 1024)}\n${rsaCsr}` }), 400, 'invalid_request');
    });

    it('with a PEM certificate request that holds no PKCS#10 structure (a certificate)', async () => {
      const certificateDer = Buffer.from(readFileSync(rsaCa.certFile, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
      expectErrorBody(await translate('rsa', { csr: pem('CERTIFICATE REQUEST', certificateDer) }), 400, 'invalid_csr');
    });

    it('with a tampered CSR whose signature does not verify', async () => {
      const tampered = tamper(rsaCsr);
      // openssl 3.0 exits 0 here, so its words are what count.
      expect(openssl(['req', '-in', tempFile(rsaCsr), '-noout', '-verify'])[1]).toMatch(/verify OK/);
      expect(openssl(['req', '-in', tempFile(tampered), '-noout', '-verify'])[1]).toMatch(/verify failure/);
      const res = await translate('rsa', { csr: tampered });
      expectErrorBody(res, 400, 'invalid_csr');
      expect(res.body.message).toMatch(/signature/);
    });

    it('with an RSA-1024 key (weak_key, saying why)', async () => {
      const res = await translate('rsa', { csr: makeCsr(['-newkey', 'rsa:1024']) });
      expectErrorBody(res, 400, 'weak_key');
      expect(res.body.message).toMatch(/1024 bits; at least 2048/);
    });

    it('with a DSA key or an EC key on a curve other than P-256/384/521', async () => {
      const params = tempPath('.pem');
      opensslOk(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024', '-out', params]);
      const dsa = await translate('rsa', { csr: makeCsr(['-newkey', `param:${params}`]) });
      expectErrorBody(dsa, 400, 'weak_key');
      expect(dsa.body.message).toMatch(/DSA/);
      const k1 = await translate('rsa', { csr: makeCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']) });
      expectErrorBody(k1, 400, 'weak_key');
      expect(k1.body.message).toMatch(/secp256k1/);
    });

    it('refuses a weak key before checking the password (no password hash for a bad request)', async () => {
      expectErrorBody(await translate('rsa', { csr: makeCsr(['-newkey', 'rsa:1024']) }, 'alice', 'wrong password'), 400, 'weak_key');
      // ...while a good CSR with that password is a 401.
      expectErrorBody(await translate('rsa', { csr: ecCsr }, 'alice', 'wrong password'), 401, 'invalid_credentials');
    });
  });
});

describe('x509_issuance configurations refused at load', () => {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const roots: string[] = [];
  let dataDir: string;
  let notCa: CaFiles;
  let noCertSign: CaFiles;

  beforeAll(async () => {
    const dir = await writeConfigDir({});
    roots.push(dir.root);
    dataDir = dir.dataDir;
    notCa = makeCa(EC_P256, '/CN=Not a CA', ['basicConstraints=critical,CA:FALSE']);
    noCertSign = makeCa(EC_P256, '/CN=CA without keyCertSign', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,digitalSignature']);
  });
  afterAll(async () => {
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  function realm(instance: Json, extraKeys: Json[] = []): Json {
    return {
      realm: '/',
      identity_store: { type: 'file', users: [{ username: 'alice', password_hash: passwordHash }] },
      keys: [
        { kid: 'ca-ec', use: 'sig', private_key_file: ecCa.keyFile, certificate_file: ecCa.certFile },
        { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
        ...extraKeys,
      ],
      instances: { x: instance },
    };
  }

  async function loadError(instance: Json, extraKeys: Json[] = []): Promise<ConfigError> {
    const dir = await writeConfigDir({ root: realm(instance, extraKeys) });
    roots.push(dir.root);
    return configErrorOf(loadRealms({ configDir: dir.configDir, dataDir, env: {}, registry }));
  }

  const expectProblem = expectConfigProblem;

  it('loads a valid instance (so the refusals below are about the one change each makes)', async () => {
    const dir = await writeConfigDir({ root: realm(x509Instance({ ca_key: 'ca-ec', subject_alt_names: { email: 'mail' } })) });
    roots.push(dir.root);
    const set = await loadRealms({ configDir: dir.configDir, dataDir, env: {}, registry });
    expect(set.instance('/x')?.instance.settings.x509_issuance).toMatchObject({ ca_key: 'ca-ec', certificate_lifetime_minutes: 60 });
  });

  it('an X509 transform without x509_issuance', async () => {
    expectProblem(await loadError(x509Instance(undefined)), 'instances.x.x509_issuance', /missing; X509 output needs an x509_issuance section/);
  });

  it('a ca_key that does not exist', async () => {
    expectProblem(await loadError(x509Instance({ ca_key: 'nope' })), 'instances.x.x509_issuance.ca_key', /no key "nope" in realm \//);
  });

  it('a ca_key without a certificate_file', async () => {
    expectProblem(await loadError(x509Instance({ ca_key: 'ec-1' })), 'instances.x.x509_issuance.ca_key', /"ec-1" has no certificate_file/);
  });

  it('a ca_key whose certificate is not a CA (basicConstraints CA:FALSE)', async () => {
    const error = await loadError(x509Instance({ ca_key: 'not-ca' }), [
      { kid: 'not-ca', use: 'sig', private_key_file: notCa.keyFile, certificate_file: notCa.certFile },
    ]);
    expectProblem(error, 'instances.x.x509_issuance.ca_key', /certificate of key "not-ca" \(CN=Not a CA\) is not a CA certificate/);
  });

  it('a CA certificate whose keyUsage leaves out keyCertSign', async () => {
    const error = await loadError(x509Instance({ ca_key: 'no-sign' }), [
      { kid: 'no-sign', use: 'sig', private_key_file: noCertSign.keyFile, certificate_file: noCertSign.certFile },
    ]);
    expectProblem(error, 'instances.x.x509_issuance.ca_key', /keyUsage without keyCertSign/);
  });

  it('a CA certificate that does not certify the key (refused by the key loader)', async () => {
    const error = await loadError(x509Instance({ ca_key: 'mismatch' }), [
      { kid: 'mismatch', use: 'sig', private_key_file: ecCa.keyFile, certificate_file: rsaCa.certFile },
    ]);
    expectProblem(error, 'keys[2].certificate_file', /does not certify this private key/);
  });

  it('a SAN type other than email, dns and uri', async () => {
    const error = await loadError(x509Instance({ ca_key: 'ca-ec', subject_alt_names: { email: 'mail', ip: 'address' } }));
    expectProblem(error, 'instances.x.x509_issuance.subject_alt_names.ip', /unknown SAN type "ip"; use email, dns, uri/);
    expect(error.problems.map((p) => p.path)).not.toContain('instances.x.x509_issuance.subject_alt_names.email');
  });
});
