/**
 * A SAML service provider we did not write, samlify, configured only from metadata: it loads
 * our IdP metadata from the endpoint, we load its SP metadata from the file it generated, and it
 * must accept our Responses as they come, IdP-initiated and SP-initiated (its own AuthnRequests,
 * Redirect and POST bindings, signed as its metadata says). samlify validates every document
 * against the SAML schemas (its xmllint-wasm validator) before it reads it. xmlsec1 then checks
 * the same documents independently, including the ECDSA variant samlify cannot verify.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { expectConfigProblem } from '../support/config-errors';
import { expectErrorBody } from '../support/error-body';
import { certificatePem, pemPair, removeOpensslWorkDir, tempFile, tempPath, type PemPair } from '../support/openssl';
import { rootRealm, saml2Instance, usernameTo } from '../support/realm-fixtures';
import { xmlsecDecrypt, xmlsecVerify } from '../support/saml-output-checks';
import { DS, MAIL_OID, MD, NAMEID_EMAIL, POST_BINDING, SAML, SAMLP } from '../support/saml-names';
import { samlify } from '../support/samlify';
import { startTestServer, startupError, writeConfigDir, type TestServer } from '../support/test-server';
import { issuedToken } from '../support/translate-results';
import { all, one, parseXml } from '../support/xml-dom';

const SP_ENTITY = 'https://sp.test/saml';
const ACS = 'https://sp.test/saml/acs';
const SECOND_ACS = 'https://sp.test/saml/acs2';

let server: TestServer;
let spSigning: PemPair;
let spEncryption: PemPair;
let spMetadataFile: string;
let lenientSpMetadataFile: string;

/** The SP as samlify builds it; with encryption it can decrypt EncryptedAssertions. */
function serviceProvider(options: { encrypted?: boolean; wantAssertionsSigned?: boolean } = {}) {
  return samlify.ServiceProvider({
    entityID: SP_ENTITY,
    authnRequestsSigned: true,
    wantAssertionsSigned: options.wantAssertionsSigned ?? true,
    signingCert: spSigning.certPem,
    privateKey: spSigning.keyPem,
    encryptCert: spEncryption.certPem,
    encPrivateKey: spEncryption.keyPem,
    isAssertionEncrypted: options.encrypted ?? false,
    nameIDFormat: [NAMEID_EMAIL],
    assertionConsumerService: [
      { Binding: POST_BINDING, Location: ACS, isDefault: true },
      { Binding: POST_BINDING, Location: SECOND_ACS },
    ],
  });
}

function samlInstance(saml2: Record<string, unknown>): Record<string, unknown> {
  return saml2Instance({
    issuer: `https://sts.test/idp`,
    sp_metadata: { file: spMetadataFile },
    token_form: 'response',
    encoding: 'base64',
    name_id_format: NAMEID_EMAIL,
    name_id: { attribute: 'mail' },
    attributes: [
      { name: MAIL_OID, source: 'mail', friendly_name: 'mail' },
      { name: 'groups', source: 'groups' },
    ],
    signing_key: 'saml-rsa',
    ...saml2,
  });
}

/**
 * samlify's IdP entity from our metadata alone; `isAssertionEncrypted` is samlify's own switch
 * for decrypting (SAML metadata has no element that says an IdP encrypts).
 */
async function idpFor(instance: string, options: { encrypted?: boolean } = {}) {
  const response = await fetch(`${server.baseUrl}/saml2/${instance}/metadata`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/samlmetadata+xml');
  return samlify.IdentityProvider({ metadata: await response.text(), isAssertionEncrypted: options.encrypted ?? false });
}

async function translate(instance: string, output: Record<string, unknown> = {}): Promise<string> {
  return issuedToken(await server.post(`/rest-sts/${instance}?_action=translate`, usernameTo('SAML2', output)));
}

function xmlOf(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

function element(xml: string, ns: string, name: string) {
  return one(parseXml(xml), ns, name);
}

/** The signing certificate the IdP metadata publishes, as a PEM file for xmlsec1. */
async function metadataCertificateFile(instance: string): Promise<string> {
  const text = await (await fetch(`${server.baseUrl}/saml2/${instance}/metadata`)).text();
  const signing = all(parseXml(text), MD, 'KeyDescriptor').find((d) => d.getAttribute('use') !== 'encryption')!;
  const base64 = all(signing, DS, 'X509Certificate')[0].textContent!.replace(/\s+/g, '');
  return tempFile(certificatePem(base64), '.crt.pem');
}

/** The ACS URL samlify's AuthnRequest asks for (Redirect: raw DEFLATE in the query; POST: base64). */
function requestedAcs(request: { binding: 'redirect'; query: string } | { binding: 'post'; message: string }): string {
  const xml =
    request.binding === 'redirect'
      ? inflateRawSync(Buffer.from(new URLSearchParams(request.query).get('SAMLRequest')!, 'base64')).toString('utf8')
      : xmlOf(request.message);
  const url = element(xml, SAMLP, 'AuthnRequest').getAttribute('AssertionConsumerServiceURL');
  expect([ACS, SECOND_ACS]).toContain(url);
  return url!;
}

beforeAll(async () => {
  spSigning = pemPair('/CN=samlify SP signing');
  spEncryption = pemPair('/CN=samlify SP encryption');
  spMetadataFile = tempPath('.sp-metadata.xml');
  writeFileSync(spMetadataFile, serviceProvider().getMetadata());
  lenientSpMetadataFile = tempPath('.sp-metadata.xml');
  writeFileSync(lenientSpMetadataFile, serviceProvider({ wantAssertionsSigned: false }).getMetadata());
  server = await startTestServer({
    root: await rootRealm({
      keys: [
        { kid: 'saml-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } },
        { kid: 'saml-ec', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
      ],
      instances: {
        'idp-rsa': samlInstance({}),
        'idp-response-signed': samlInstance({ sign_assertion: false, sign_response: true, sp_metadata: { file: lenientSpMetadataFile } }),
        'idp-both-signed': samlInstance({ sign_response: true }),
        'idp-encrypted': samlInstance({ encryption: { encrypt_assertion: true } }),
        'idp-encrypted-cbc': samlInstance({ encryption: { encrypt_assertion: true, data_algorithm: 'aes256-cbc' } }),
        'idp-ec': samlInstance({ signing_key: 'saml-ec' }),
      },
    }),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  removeOpensslWorkDir();
});

describe('samlify as the SP, configured from our IdP metadata', () => {
  it.each(['idp-rsa', 'idp-response-signed', 'idp-both-signed'])('accepts an IdP-initiated Response from %s', async (instance) => {
    const idp = await idpFor(instance);
    const token = await translate(instance);
    const { extract } = await serviceProvider().parseLoginResponse(idp, 'post', { body: { SAMLResponse: token } });
    expect(extract.nameID).toBe('alice@example.com');
    expect(extract.issuer).toBe('https://sts.test/idp');
    expect(extract.audience).toBe(SP_ENTITY);
    expect(extract.attributes).toEqual(expect.objectContaining({ [MAIL_OID]: 'alice@example.com', groups: ['staff', 'admins'] }));
  });

  it.each(['idp-encrypted', 'idp-encrypted-cbc'])('decrypts and accepts the encrypted assertion of %s', async (instance) => {
    const idp = await idpFor(instance, { encrypted: true });
    const token = await translate(instance);
    expect(xmlOf(token)).toContain('EncryptedAssertion');
    const { extract } = await serviceProvider({ encrypted: true }).parseLoginResponse(idp, 'post', { body: { SAMLResponse: token } });
    expect(extract.nameID).toBe('alice@example.com');
  });

  it('answers its signed AuthnRequest (HTTP-Redirect binding) with InResponseTo and the requested ACS', async () => {
    const idp = await idpFor('idp-rsa');
    const sp = serviceProvider();
    const request = sp.createLoginRequest(idp, 'redirect') as { id: string; context: string };
    const query = new URL(request.context).search.slice(1);
    expect(query).toContain('Signature=');
    const token = await translate('idp-rsa', { authn_request_query: query });
    const response = element(xmlOf(token), SAMLP, 'Response');
    expect(response.getAttribute('InResponseTo')).toBe(request.id);
    expect(response.getAttribute('Destination')).toBe(requestedAcs({ binding: 'redirect', query }));
    const { extract } = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: token } });
    expect(extract.response.inResponseTo).toBe(request.id);
    expect(extract.nameID).toBe('alice@example.com');
  });

  it('answers its signed AuthnRequest (HTTP-POST binding)', async () => {
    const idp = await idpFor('idp-both-signed');
    const sp = serviceProvider();
    const request = sp.createLoginRequest(idp, 'post') as { id: string; context: string };
    const token = await translate('idp-both-signed', { authn_request: request.context });
    const { extract } = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: token } });
    expect(extract.response.inResponseTo).toBe(request.id);
    const confirmation = element(xmlOf(token), SAML, 'SubjectConfirmationData');
    expect(confirmation.getAttribute('InResponseTo')).toBe(request.id);
    expect(confirmation.getAttribute('Recipient')).toBe(requestedAcs({ binding: 'post', message: request.context }));
  });

  it('refuses an AuthnRequest whose signature was tampered with (400), issuing nothing', async () => {
    const idp = await idpFor('idp-rsa');
    const request = serviceProvider().createLoginRequest(idp, 'redirect') as { context: string };
    const query = new URL(request.context).search.slice(1).replace(/Signature=([A-Za-z0-9%]{4})/, 'Signature=AAAA');
    const response = await server.post('/rest-sts/idp-rsa?_action=translate', usernameTo('SAML2', { authn_request_query: query }));
    expectErrorBody(response, 400, 'authn_request_signature_invalid');
    expect(response.body.issued_token).toBeUndefined();
  });

  it('cannot verify ECDSA signatures (its xml-crypto has no ECDSA), which xmlsec1 verifies', async () => {
    const idp = await idpFor('idp-ec');
    const token = await translate('idp-ec');
    const refusal = await serviceProvider()
      .parseLoginResponse(idp, 'post', { body: { SAMLResponse: token } })
      .then(() => 'accepted', (error: unknown) => String(error));
    expect(refusal).toMatch(/FAILED_TO_VERIFY_SIGNATURE|ecdsa/i);
    const [status, output] = xmlsecVerify(xmlOf(token), await metadataCertificateFile('idp-ec'), 'Assertion');
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('OK') });
  });
});

describe('what the SP metadata asks for', () => {
  it('refuses at load an instance that would send unsigned assertions to an SP that wants them signed', async () => {
    const dir = await writeConfigDir({
      root: await rootRealm({
        keys: [{ kid: 'saml-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } }],
        instances: { unsigned: samlInstance({ sign_assertion: false, sign_response: true }) },
      }),
    });
    try {
      expectConfigProblem(await startupError(dir), 'instances.unsigned.saml2.sign_assertion', /WantAssertionsSigned="true"/);
    } finally {
      await rm(dir.root, { recursive: true, force: true });
    }
  });
});

describe('xmlsec1 on the same Responses', () => {
  it.each([
    ['idp-rsa', 'Assertion'],
    ['idp-response-signed', 'Response'],
  ] as const)('verifies the signature of %s with the certificate from the metadata', async (instance, signed) => {
    const token = await translate(instance);
    const [status, output] = xmlsecVerify(xmlOf(token), await metadataCertificateFile(instance), signed);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('OK') });
  });

  it('decrypts the EncryptedAssertion with the key of the certificate in the SP metadata', async () => {
    const token = await translate('idp-encrypted');
    expect(element(xmlsecDecrypt(xmlOf(token), spEncryption.keyFile), SAML, 'NameID').textContent).toBe('alice@example.com');
  });
});
