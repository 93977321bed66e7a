/**
 * PingAM's offloaded two-way TLS header as its own samples name it (`client_cert`, with an
 * underscore): accepted as `x509_validation.client_certificate_header`, and read from the raw
 * request (Node keeps header names with underscores; some proxies drop them unless told not to).
 */
import { ConfigError, type ConfigProblem } from '../../../src/realms/config-problem';
import { makeTestPki, type TestPki } from '../../support/client-certificate-pki';
import { expectErrorBody } from '../../support/error-body';
import { removeOpensslWorkDir } from '../../support/openssl';
import { rawJsonPost } from '../../support/raw-http';
import { startTestServer, type TestServer } from '../../support/test-server';
import { decodeJwt } from 'jose';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const KEYS = [{ kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } }];

function x509Instance(validation: Json): Json {
  return {
    supported_token_transforms: [{ from: 'X509', to: 'OPENIDCONNECT' }],
    x509_validation: validation,
    oidc: { issuer: 'https://sts.test', audience: ['rp-client'], signature_algorithm: 'RS256', signing_key: 'rsa-1' },
  };
}

const X509_TO_OIDC = { input_token_state: { token_type: 'X509' }, output_token_state: { token_type: 'OPENIDCONNECT' } };

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => removeOpensslWorkDir());

describe('client_certificate_header with an underscore (PingAM: client_cert)', () => {
  let server: TestServer;
  beforeAll(async () => {
    const validation = { trust_anchors_file: pki.rootFile, intermediates_file: pki.intermediateFile, client_certificate_header: 'client_cert', trusted_proxies: ['127.0.0.1'] };
    server = await startTestServer({ root: { realm: '/', keys: KEYS, instances: { offloaded: x509Instance(validation) } } });
  });
  afterAll(() => server?.close());

  const translate = (lines: [string, string][]) => rawJsonPost(server.baseUrl, '/rest-sts/offloaded?_action=translate', X509_TO_OIDC, lines);

  it('reads the certificate from client_cert over raw HTTP (base64 DER, as PingAM offloading sends it)', async () => {
    const res = await translate([['client_cert', pki.good.der.toString('base64')]]);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token).sub).toBe('alice');
  });

  it('matches the name in any letter case', async () => {
    expect((await translate([['Client_Cert', encodeURIComponent(pki.good.pem)]])).status).toBe(200);
  });

  it('does not take client-cert (a hyphen) for client_cert: 401 client_certificate_required', async () => {
    expectErrorBody(await translate([['client-cert', pki.good.der.toString('base64')]]), 401, 'client_certificate_required');
  });

  it('refuses the header repeated on two lines with 400 client_certificate_header_repeated', async () => {
    const der = pki.good.der.toString('base64');
    expectErrorBody(await translate([['client_cert', der], ['CLIENT_CERT', der]]), 400, 'client_certificate_header_repeated');
  });
});

describe('client_certificate_header names refused at load', () => {
  it.each(['client cert', 'client:cert', 'client.cert', ''])('%j', async (name) => {
    const validation = { trust_anchors_file: pki.rootFile, client_certificate_header: name, trusted_proxies: ['127.0.0.1'] };
    const start = startTestServer({ root: { realm: '/', keys: KEYS, instances: { x: x509Instance(validation) } } });
    const error = await start.then(
      (server) => server.close().then(() => undefined),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual(
      expect.objectContaining<Partial<ConfigProblem>>({ path: 'instances.x.x509_validation.client_certificate_header', message: expect.stringMatching(/HTTP header name/) }),
    );
  });
});
