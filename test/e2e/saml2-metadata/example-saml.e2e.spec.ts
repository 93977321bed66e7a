/**
 * The example configuration's SAML instance as a fresh clone serves it: no key or certificate on
 * disk before the start, yet /rest-sts/saml issues a signed assertion (a generated key with the
 * self-signed certificate the server made for it) and /saml2/saml/metadata publishes that
 * certificate. xmlsec1 checks the assertion's signature with the certificate from the metadata.
 */
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleRealmFiles, startExampleServer } from '../../support/example-config';
import { certificatePem, opensslOk, removeOpensslWorkDir, tempFile } from '../../support/openssl';
import { metadataSchemaCheck, xmlsecVerify } from '../../support/saml-output-checks';
import { DS, SAML } from '../../support/saml-names';
import { samlify } from '../../support/samlify';
import type { TestServer } from '../../support/test-server';
import { all, parseXml } from '../../support/xml-dom';

const PUBLIC = 'https://sts.example.com';
/** The demo user's password, as the example configuration's comments give it. */
const DEMO_PASSWORD = 'demo-password';

let server: TestServer;

beforeAll(async () => {
  server = await startExampleServer({ public_base_url: PUBLIC });
});
afterAll(async () => {
  await server?.close();
  removeOpensslWorkDir();
});

async function metadata(): Promise<string> {
  const response = await fetch(`${server.baseUrl}/saml2/saml/metadata`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The base64 DER of the certificate in the metadata's signing KeyDescriptor, as PEM. */
function signingCertificatePem(xml: string): string {
  const [certificate, ...others] = all(parseXml(xml), DS, 'X509Certificate');
  expect(others).toEqual([]);
  return certificatePem(certificate.textContent!);
}

describe('the example configuration\'s SAML instance', () => {
  it('is in config/realms/root.yaml, signing with a generated key that serves SAML only', () => {
    const root = exampleRealmFiles().root;
    expect(root).toMatch(/- kid: saml-rsa-1\n\s+use: sig\n\s+generate: \{ type: rsa, size: 2048 \}/);
    expect(root).toMatch(/\n {2}saml:\n/);
  });

  it('publishes its IdP metadata with the generated key\'s certificate, valid against the OASIS schema and read by samlify', async () => {
    const xml = await metadata();
    expect(metadataSchemaCheck(xml)).toEqual([0, '- validates\n']);

    const stored = join(server.dataDir, 'keys', 'saml-rsa-1.crt.pem');
    expect(existsSync(stored)).toBe(true);
    const certificate = tempFile(signingCertificatePem(xml), '.crt.pem');
    expect(opensslOk(['x509', '-in', certificate, '-noout', '-fingerprint', '-sha256'])).toBe(opensslOk(['x509', '-in', stored, '-noout', '-fingerprint', '-sha256']));
    expect(opensslOk(['x509', '-in', certificate, '-noout', '-subject'])).toMatch(/CN ?= ?saml-rsa-1/);

    const idp = samlify.IdentityProvider({ metadata: xml });
    expect(idp.entityMeta.getEntityID()).toBe('https://sts.example.com/saml');
    expect(idp.entityMeta.getSingleSignOnService('post')).toBe(`${PUBLIC}/rest-sts/saml?_action=translate`);
  });

  it('translates USERNAME to a SAML2 assertion for the example SP, signed as xmlsec1 verifies with the metadata\'s certificate', async () => {
    const res = await server.post('/rest-sts/saml?_action=translate', {
      input_token_state: { token_type: 'USERNAME', username: 'demo', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'SAML2', subject_confirmation: 'BEARER' },
    });
    expect(res.status).toBe(200);
    const assertion = res.body.issued_token as string;
    const doc = parseXml(assertion);
    expect(doc.getElementsByTagNameNS(SAML, 'Issuer')[0].textContent).toBe('https://sts.example.com/saml');
    expect(doc.getElementsByTagNameNS(SAML, 'Audience')[0].textContent).toBe('https://sp.example.com');
    const values = Object.fromEntries(
      Array.from(doc.getElementsByTagNameNS(SAML, 'Attribute')).map((a) => [a.getAttribute('Name'), a.getElementsByTagNameNS(SAML, 'AttributeValue')[0].textContent]),
    );
    expect(values).toEqual({ mail: 'demo@example.com', cn: 'Demo User' });

    const certificate = tempFile(signingCertificatePem(await metadata()), '.crt.pem');
    expect(xmlsecVerify(assertion, certificate)).toEqual([0, expect.stringContaining('OK')]);
    const keyInfo = doc.getElementsByTagNameNS(DS, 'X509Certificate')[0].textContent;
    expect(readFileSync(certificate, 'utf8').replace(/-----[A-Z ]+-----|\n/g, '')).toBe(keyInfo);
  });

  it('publishes the SAML key in no JWKS (a key has one purpose)', async () => {
    for (const path of ['/jwks', '/jwks/demo-custom', '/oauth2/default/jwks', '/oauth2/es256/jwks', '/ext/oauth/jwks']) {
      const res = await server.get(path);
      expect(res.status).toBe(200);
      expect((res.body.keys as { kid: string; x5c?: string[] }[]).map((k) => k.kid)).not.toContain('saml-rsa-1');
    }
  });
});
