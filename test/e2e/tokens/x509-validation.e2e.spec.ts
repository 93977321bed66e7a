/**
 * Input type X509 over HTTP: client certificates from mutual TLS to the server and from a trusted
 * proxy's header, refused when expired, not yet valid, from another CA, revoked, not meant for
 * client authentication, a CA certificate, sent by an untrusted peer or in a header repeated (a
 * proxy appending instead of replacing); and the load-time refusals of an
 * `x509_validation:` block. Every certificate and CRL is made by openssl.
 */
import 'reflect-metadata';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ConfigError, type ConfigProblem } from '../../../src/realms/config-problem';
import { loadRealms } from '../../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { makeTestPki, type TestPki } from '../../support/client-certificate-pki';
import { expectErrorBody } from '../../support/error-body';
import { httpsPost, type ClientCertificate } from '../../support/https-client';
import { opensslOk, removeOpensslWorkDir } from '../../support/openssl';
import { rawJsonPost } from '../../support/raw-http';
import { startTestServer, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const KEYS = [
  { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
  { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
];
const HEADER = 'X-Client-Cert';

function x509Instance(validation: Json): Json {
  return {
    supported_token_transforms: [
      { from: 'X509', to: 'OPENIDCONNECT' },
      { from: 'X509', to: 'JWT' },
    ],
    x509_validation: validation,
    oidc: {
      issuer: 'https://sts.test',
      audience: ['rp-client'],
      signature_algorithm: 'RS256',
      signing_key: 'rsa-1',
      claim_map: { email: 'san_email', dn: 'subject_dn', issuer_dn: 'issuer_dn', serial: 'serial_number', cert_sha256: 'fingerprint_sha256' },
    },
    access_token: { issuer: 'https://sts.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1', claim_map: { email: 'san_email', cn: 'subject_cn' } },
  };
}

function x509To(outputType: 'OPENIDCONNECT' | 'JWT'): Json {
  return { input_token_state: { token_type: 'X509' }, output_token_state: { token_type: outputType } };
}

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => removeOpensslWorkDir());

describe('X509 input over mutual TLS', () => {
  let server: TestServer;
  let baseUrl: string;

  beforeAll(async () => {
    const trusted = { trust_anchors_file: pki.rootFile, intermediates_file: pki.intermediateFile };
    server = await startTestServer(
      {
        root: {
          realm: '/',
          keys: KEYS,
          instances: {
            mtls: x509Instance({ ...trusted, crl_file: pki.crlFile }),
            // No intermediates_file: the chain the client sends is what links its leaf to the root.
            chain: x509Instance({ trust_anchors_file: pki.rootFile, principal_from: 'san_email' }),
            bydns: x509Instance({ ...trusted, principal_from: 'san_dns' }),
            bydn: x509Instance({ ...trusted, principal_from: 'subject_dn' }),
            stalecrl: x509Instance({ ...trusted, crl_file: pki.expiredCrlFile }),
            // Configures the proxy header too: a certificate from the handshake still wins.
            both: x509Instance({ ...trusted, client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'] }),
            // The proxy checks chains: a handshake certificate, which nobody checked, does not count.
            proxyonly: x509Instance({ client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'], proxy_verifies_chain: true }),
          },
        },
      },
      // The root alone: node completes a client's chain from this store, which must not supply the intermediate.
      { tls: { keyFile: pki.serverKeyFile, certificateFile: pki.serverCertFile, clientCaFile: pki.rootFile } },
    );
    baseUrl = server.baseUrl.replace(/^http:/, 'https:');
  });
  afterAll(() => server?.close());

  const translate = (instance: string, client: ClientCertificate | undefined, output: 'OPENIDCONNECT' | 'JWT' = 'OPENIDCONNECT', headers = {}) =>
    httpsPost(`${baseUrl}/rest-sts/${instance}?_action=translate`, x509To(output), { caFile: pki.rootFile, client, headers });

  function issued(res: TestResponse): Json {
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { issued_token: expect.any(String) } });
    return decodeJwt(res.body.issued_token);
  }

  it('turns a good client certificate into an ID token: sub from the CN, certificate fields mapped, amr x509', async () => {
    const before = Math.floor(Date.now() / 1000);
    const claims = issued(await translate('mtls', pki.good));
    expect(claims).toMatchObject({
      iss: 'https://sts.test',
      sub: 'alice',
      aud: 'rp-client',
      amr: ['x509'],
      email: ['alice@example.com'],
      dn: 'CN=alice,OU=People,O=STS Test',
      issuer_dn: 'CN=STS Test Issuing CA,O=STS Test',
    });
    // The same names as openssl writes them in RFC 2253 (= RFC 4514) form, and the same serial.
    const [subject, issuer, serial] = opensslOk(['x509', '-in', pki.good.certFile, '-noout', '-subject', '-issuer', '-serial', '-nameopt', 'RFC2253'])
      .trim()
      .split('\n')
      .map((line) => line.slice(line.indexOf('=') + 1).trim());
    expect([claims.dn, claims.issuer_dn, claims.serial]).toEqual([subject, issuer, serial.toLowerCase().replace(/^0+/, '')]);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    const fingerprint = opensslOk(['x509', '-in', pki.good.certFile, '-noout', '-fingerprint', '-sha256']);
    expect(claims.cert_sha256).toBe(fingerprint.trim().split('=').pop()!.replace(/:/g, '').toLowerCase());
  });

  it('turns it into an RFC 9068 access token (X509 -> JWT) with mapped claims', async () => {
    const res = await translate('mtls', pki.good, 'JWT');
    const claims = issued(res);
    expect(decodeProtectedHeader(res.body.issued_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(claims).toMatchObject({ sub: 'alice', aud: 'api', email: ['alice@example.com'], cn: 'alice' });
  });

  it('takes the principal from the e-mail SAN, using the chain the client sent for the intermediate', async () => {
    expect(issued(await translate('chain', { keyFile: pki.good.keyFile, certFile: pki.good.chainFile })).sub).toBe('alice@example.com');
  });

  it('refuses the leaf alone when nothing links it to the anchor', async () => {
    expectErrorBody(await translate('chain', pki.good), 401, 'untrusted_certificate');
  });

  it('takes the principal from the DNS SAN, or from the whole subject name', async () => {
    expect(issued(await translate('bydns', pki.good)).sub).toBe('alice.example.test');
    expect(issued(await translate('bydn', pki.good)).sub).toBe('CN=alice,OU=People,O=STS Test');
  });

  it('refuses a certificate without the field principal_from names', async () => {
    expectErrorBody(await translate('bydns', pki.noSan), 401, 'certificate_principal_missing');
  });

  it('refuses a request without a client certificate', async () => {
    expectErrorBody(await translate('mtls', undefined), 401, 'client_certificate_required');
  });

  it('ignores the proxy header on an instance that does not configure one', async () => {
    const res = await translate('mtls', undefined, 'OPENIDCONNECT', { [HEADER]: encodeURIComponent(pki.good.pem) });
    expectErrorBody(res, 401, 'client_certificate_required');
  });

  it('refuses a handshake certificate on an instance whose proxy verifies chains (401 untrusted_certificate_source), takes its header', async () => {
    expectErrorBody(await translate('proxyonly', pki.good), 401, 'untrusted_certificate_source');
    expect(issued(await translate('proxyonly', pki.good, 'OPENIDCONNECT', { [HEADER]: encodeURIComponent(pki.good.pem) })).sub).toBe('alice');
  });

  it('prefers the handshake certificate to a header', async () => {
    const res = await translate('both', pki.good, 'OPENIDCONNECT', { [HEADER]: encodeURIComponent(pki.otherCa.pem) });
    expect(issued(res).sub).toBe('alice');
  });

  it.each<[string, 'expired' | 'notYetValid' | 'otherCa' | 'revoked' | 'serverAuthOnly' | 'keyEnciphermentOnly', string]>([
    ['an expired certificate', 'expired', 'certificate_expired'],
    ['a certificate not valid yet', 'notYetValid', 'certificate_not_yet_valid'],
    ['a certificate from another CA', 'otherCa', 'untrusted_certificate'],
    ['a revoked certificate', 'revoked', 'certificate_revoked'],
    ['a certificate whose extendedKeyUsage is serverAuth only', 'serverAuthOnly', 'certificate_usage_invalid'],
    ['a certificate whose keyUsage lacks digitalSignature', 'keyEnciphermentOnly', 'certificate_usage_invalid'],
  ])('refuses %s', async (_what, which, code) => {
    expectErrorBody(await translate('mtls', pki[which]), 401, code);
  });

  it('refuses a certificate from another CA even when it sends its own root along', async () => {
    expectErrorBody(await translate('mtls', { keyFile: pki.otherCa.keyFile, certFile: pki.otherCa.chainFile }), 401, 'untrusted_certificate');
  });

  it('refuses rather than trusts blindly when the CRL is past its nextUpdate', async () => {
    expectErrorBody(await translate('stalecrl', pki.good), 401, 'crl_expired');
  });

  it('refuses a CA certificate as a client certificate, even one fit for clientAuth that the trusted root issued', async () => {
    expectErrorBody(await translate('mtls', caClientCertificate()), 401, 'certificate_is_ca');
  });
});

/** A CA certificate (CA:TRUE) the trusted root issued, with every usage a client certificate needs. */
function caClientCertificate() {
  return pki.sign({ certFile: pki.rootFile, keyFile: pki.rootKeyFile }, `ca-client-${Date.now()}`, '/O=STS Test/CN=sub-ca', [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, digitalSignature, keyCertSign',
    'extendedKeyUsage = clientAuth',
  ].join('\n'));
}

describe('X509 input from a TLS-terminating proxy header', () => {
  let server: TestServer;

  beforeAll(async () => {
    const proxied = (trusted_proxies: string[]) =>
      x509Instance({ trust_anchors_file: pki.rootFile, intermediates_file: pki.intermediateFile, client_certificate_header: HEADER, trusted_proxies });
    server = await startTestServer({
      root: {
        realm: '/',
        keys: KEYS,
        instances: {
          proxied: proxied(['10.0.0.1', '127.0.0.1']),
          mapped: proxied(['::ffff:127.0.0.1']),
          elsewhere: proxied(['10.0.0.1', '::1']),
          saml: {
            ...proxied(['127.0.0.1']),
            supported_token_transforms: [{ from: 'X509', to: 'SAML2' }],
            saml2: { issuer: 'https://sts.test/saml', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', sign_assertion: false },
          },
        },
      },
    });
  });
  afterAll(() => server?.close());

  const translate = (instance: string, headers: Record<string, string>) =>
    server.post(`/rest-sts/${instance}?_action=translate`, x509To('OPENIDCONNECT'), headers);

  it('accepts URL-encoded PEM (nginx $ssl_client_escaped_cert) from a trusted proxy', async () => {
    const res = await translate('proxied', { [HEADER]: encodeURIComponent(pki.good.pem) });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token)).toMatchObject({ sub: 'alice', amr: ['x509'], email: ['alice@example.com'] });
  });

  it('accepts base64 DER (PingAM offloaded TLS)', async () => {
    const res = await translate('proxied', { [HEADER]: pki.good.der.toString('base64') });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token).sub).toBe('alice');
  });

  it('matches an IPv4-mapped IPv6 proxy address with the IPv4 peer', async () => {
    const res = await translate('mapped', { [HEADER]: encodeURIComponent(pki.good.pem) });
    expect(res.status).toBe(200);
  });

  it('refuses the header from a peer that is not a trusted proxy', async () => {
    expectErrorBody(await translate('elsewhere', { [HEADER]: encodeURIComponent(pki.good.pem) }), 401, 'untrusted_certificate_source');
  });

  it('checks a header certificate like a handshake one', async () => {
    expectErrorBody(await translate('proxied', { [HEADER]: encodeURIComponent(pki.expired.pem) }), 401, 'certificate_expired');
    expectErrorBody(await translate('proxied', { [HEADER]: pki.otherCa.der.toString('base64') }), 401, 'untrusted_certificate');
  });

  it('answers 400 for a header that is not a certificate', async () => {
    expectErrorBody(await translate('proxied', { [HEADER]: 'not a certificate' }), 400, 'invalid_client_certificate');
    expectErrorBody(await translate('proxied', { [HEADER]: Buffer.from('garbage bytes').toString('base64') }), 400, 'invalid_client_certificate');
  });

  it('issues a SAML assertion whose AuthnContext says X509 (X509 -> SAML2)', async () => {
    const res = await server.post('/rest-sts/saml?_action=translate', { input_token_state: { token_type: 'X509' }, output_token_state: { token_type: 'SAML2' } }, {
      [HEADER]: encodeURIComponent(pki.good.pem),
    });
    expect(res.status).toBe(200);
    const doc = new DOMParser().parseFromString(res.body.issued_token, 'text/xml');
    const saml = 'urn:oasis:names:tc:SAML:2.0:assertion';
    expect(doc.getElementsByTagNameNS(saml, 'NameID')[0]?.textContent).toBe('alice');
    expect(doc.getElementsByTagNameNS(saml, 'AuthnContextClassRef')[0]?.textContent).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:X509');
  });

  it('answers 401 without the header (and without TLS)', async () => {
    expectErrorBody(await translate('proxied', {}), 401, 'client_certificate_required');
  });

  describe('a proxy that appends its header to the client\'s instead of replacing it', () => {
    const rawTranslate = (lines: [string, string][]) => rawJsonPost(server.baseUrl, '/rest-sts/proxied?_action=translate', x509To('OPENIDCONNECT'), lines);

    it('refuses the header on two lines (the client\'s forged one first) with 400 client_certificate_header_repeated', async () => {
      // Before, the first (a victim's public certificate) was taken as the client's.
      const forged = encodeURIComponent(pki.good.pem);
      const real = encodeURIComponent(pki.noSan.pem);
      const res = await rawTranslate([[HEADER, forged], [HEADER.toLowerCase(), real]]);
      expectErrorBody(res, 400, 'client_certificate_header_repeated');
      expect(res.body.issued_token).toBeUndefined();
    });

    it('refuses it repeated in base64 DER too, and with an empty second copy', async () => {
      expectErrorBody(await rawTranslate([[HEADER, pki.good.der.toString('base64')], [HEADER, pki.noSan.der.toString('base64')]]), 400, 'client_certificate_header_repeated');
      expectErrorBody(await rawTranslate([[HEADER, encodeURIComponent(pki.good.pem)], [HEADER, '']]), 400, 'client_certificate_header_repeated');
    });

    it('refuses one header value that holds two end-entity certificates with 400 client_certificate_chain_invalid', async () => {
      const res = await translate('proxied', { [HEADER]: encodeURIComponent(pki.good.pem + pki.noSan.pem) });
      expectErrorBody(res, 400, 'client_certificate_chain_invalid');
    });

    it('still accepts the header once, and the leaf followed by its intermediate', async () => {
      expect((await rawTranslate([[HEADER, encodeURIComponent(pki.good.pem)]])).status).toBe(200);
      const chain = encodeURIComponent(pki.good.pem + readFileSync(pki.intermediateFile, 'utf8'));
      expect(decodeJwt((await translate('proxied', { [HEADER]: chain })).body.issued_token).sub).toBe('alice');
    });
  });

  it('refuses a CA certificate from the header as from the handshake', async () => {
    const ca = caClientCertificate();
    expectErrorBody(await translate('proxied', { [HEADER]: encodeURIComponent(ca.pem) }), 401, 'certificate_is_ca');
  });
});

describe('X509 input when the trusted proxy verifies the chain (proxy_verifies_chain, as PingAM TLS offload)', () => {
  let server: TestServer;
  beforeAll(async () => {
    const verified = (extra: Json) => x509Instance({ client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'], proxy_verifies_chain: true, ...extra });
    server = await startTestServer({
      root: {
        realm: '/',
        keys: KEYS,
        instances: { verified: verified({}), anchored: verified({ trust_anchors_file: pki.rootFile, intermediates_file: pki.intermediateFile }), elsewhere: verified({ trusted_proxies: ['10.0.0.1'] }) },
      },
    });
  });
  afterAll(() => server?.close());
  const translate = (instance: string, pem: string) => server.post(`/rest-sts/${instance}?_action=translate`, x509To('OPENIDCONNECT'), { [HEADER]: encodeURIComponent(pem) });

  it('takes the certificate the proxy passed on, whichever CA issued it (the proxy checked that)', async () => {
    expect(decodeJwt((await translate('verified', pki.good.pem)).body.issued_token).sub).toBe('alice');
    expect((await translate('verified', pki.otherCa.pem)).status).toBe(200);
  });

  it('still checks the chain when trust_anchors_file is given too', async () => {
    expect((await translate('anchored', pki.good.pem)).status).toBe(200);
    expectErrorBody(await translate('anchored', pki.otherCa.pem), 401, 'untrusted_certificate');
  });

  it.each<[string, 'expired' | 'notYetValid' | 'serverAuthOnly' | 'keyEnciphermentOnly', string]>([
    ['an expired certificate', 'expired', 'certificate_expired'],
    ['a certificate not valid yet', 'notYetValid', 'certificate_not_yet_valid'],
    ['a certificate whose extendedKeyUsage is serverAuth only', 'serverAuthOnly', 'certificate_usage_invalid'],
    ['a certificate whose keyUsage lacks digitalSignature', 'keyEnciphermentOnly', 'certificate_usage_invalid'],
  ])('still refuses %s', async (_what, which, code) => {
    expectErrorBody(await translate('verified', pki[which].pem), 401, code);
  });

  it('refuses a CA certificate as client, and the header from a peer that is not a trusted proxy', async () => {
    expectErrorBody(await translate('verified', readFileSync(pki.rootFile, 'utf8')), 401, 'certificate_is_ca');
    expectErrorBody(await translate('elsewhere', pki.good.pem), 401, 'untrusted_certificate_source');
  });
});

describe('x509_validation load-time refusals', () => {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  /** A config dir whose realm has one instance `x`; `files` are copied into the config dir first. */
  async function load(validation: Json | undefined, files: Record<string, string | Buffer> = {}): Promise<unknown> {
    const instance = x509Instance(validation ?? {});
    if (validation === undefined) delete instance.x509_validation;
    const dir = await writeConfigDir({ root: { realm: '/', keys: KEYS, instances: { x: instance } } });
    roots.push(dir.root);
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === 'string' && content.startsWith('/')) copyFileSync(content, join(dir.configDir, name));
      else writeFileSync(join(dir.configDir, name), content);
    }
    try {
      return await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry });
    } catch (error) {
      return error;
    }
  }

  async function expectProblem(validation: Json | undefined, files: Record<string, string | Buffer>, path: string, message: RegExp): Promise<void> {
    const error = await load(validation, files);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual(
      expect.objectContaining<Partial<ConfigProblem>>({
        file: expect.stringMatching(/(^|\/)realms\/root\.yaml$/),
        path,
        message: expect.stringMatching(message),
      }),
    );
  }

  it('loads files given relative to the config directory (so each refusal below is about its one change)', async () => {
    const loaded = await load(
      { trust_anchors_file: 'ca.pem', intermediates_file: 'int.pem', crl_file: 'ca.crl' },
      { 'ca.pem': pki.rootFile, 'int.pem': pki.intermediateFile, 'ca.crl': pki.crlFile },
    );
    expect(loaded).not.toBeInstanceOf(Error);
  });

  it('an instance accepting X509 without x509_validation', async () => {
    await expectProblem(undefined, {}, 'instances.x.x509_validation', /missing/);
  });

  it('a trust anchors file that does not exist', async () => {
    await expectProblem({ trust_anchors_file: 'nope.pem' }, {}, 'instances.x.x509_validation.trust_anchors_file', /nope\.pem: file not found/);
  });

  it('a trust anchors file without a PEM certificate', async () => {
    await expectProblem({ trust_anchors_file: 'ca.pem' }, { 'ca.pem': 'hello\n' }, 'instances.x.x509_validation.trust_anchors_file', /holds no PEM certificate/);
  });

  it('an intermediates file holding a certificate that is not a CA', async () => {
    await expectProblem(
      { trust_anchors_file: 'ca.pem', intermediates_file: 'int.pem' },
      { 'ca.pem': pki.rootFile, 'int.pem': pki.good.certFile },
      'instances.x.x509_validation.intermediates_file',
      /certificate #1 .* is not a CA certificate/,
    );
  });

  it('a CRL file that is not a CRL', async () => {
    await expectProblem(
      { trust_anchors_file: 'ca.pem', crl_file: 'ca.crl' },
      { 'ca.pem': pki.rootFile, 'ca.crl': Buffer.from('this is not a CRL') },
      'instances.x.x509_validation.crl_file',
      /ca\.crl is not a PEM or DER certificate revocation list/,
    );
  });

  it('a CRL no configured CA signed', async () => {
    await expectProblem(
      { trust_anchors_file: 'ca.pem', crl_file: 'ca.crl' },
      { 'ca.pem': pki.rootFile, 'ca.crl': pki.crlFile },
      'instances.x.x509_validation.crl_file',
      /not signed by any certificate in trust_anchors_file or intermediates_file/,
    );
  });

  it('no trust_anchors_file, unless a trusted proxy verifies the chain', async () => {
    await expectProblem({ client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'] }, {}, 'instances.x.x509_validation.trust_anchors_file', /missing; .*proxy_verifies_chain/);
  });

  it('proxy_verifies_chain without a header, and a CRL or intermediates without anchors', async () => {
    await expectProblem({ proxy_verifies_chain: true }, {}, 'instances.x.x509_validation.client_certificate_header', /proxy_verifies_chain needs the header/);
    const proxied = { client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'], proxy_verifies_chain: true };
    await expectProblem({ ...proxied, crl_file: 'ca.crl' }, { 'ca.crl': pki.crlFile }, 'instances.x.x509_validation.crl_file', /needs trust_anchors_file/);
    await expectProblem({ ...proxied, intermediates_file: 'int.pem' }, { 'int.pem': pki.intermediateFile }, 'instances.x.x509_validation.intermediates_file', /needs trust_anchors_file/);
  });

  it('a proxy header without trusted proxies', async () => {
    await expectProblem(
      { trust_anchors_file: 'ca.pem', client_certificate_header: HEADER },
      { 'ca.pem': pki.rootFile },
      'instances.x.x509_validation.trusted_proxies',
      /only honoured from trusted proxies/,
    );
  });
});
