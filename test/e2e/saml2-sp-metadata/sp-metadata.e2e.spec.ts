/**
 * An instance names its SP by SAML metadata instead of typed settings: samlify (an SP library we
 * did not write) generates the metadata, the STS reads it from a file or from a URL (a local HTTP
 * server, signed by xmlsec1 and checked against a configured certificate), issues for that SP and
 * answers samlify's own AuthnRequests over HTTP; then the refusals, at load (the server does not
 * start, naming the file or URL and the reason) and per request (status and code).
 */
import 'reflect-metadata';
import type { Element } from '@xmldom/xmldom';
import { expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { LocalHttpServer } from '../../support/local-http-server';
import { pemPair, removeOpensslWorkDir, tempFile, type PemPair } from '../../support/openssl';
import { fileIdentityStore, saml2Instance, testPasswordHash, usernameTo, type Json } from '../../support/realm-fixtures';
import { realmLoading } from '../../support/realm-loading';
import { NAMEID_EMAIL, POST_BINDING, REDIRECT_BINDING, SAML, SAMLP } from '../../support/saml-names';
import { samlify, samlifyRequestTarget } from '../../support/samlify';
import { signWithXmlsec, spMetadataXml } from '../../support/sp-metadata-fixtures';
import { startTestServer, startupError, type TestResponse, type TestServer } from '../../support/test-server';
import { all, parseXml } from '../../support/xml-dom';

const SP_ENTITY = 'https://sp.test/samlify';
const ACS = 'https://sp.test/samlify/acs';
const SECOND_ACS = 'https://sp.test/samlify/acs2';

let passwordHash: string;
let idpSigner: PemPair;
let spSigner: PemPair;
let spEncryption: PemPair;
let metadataSigner: PemPair;
let samlifySp: ReturnType<typeof samlify.ServiceProvider>;
let samlifyMetadataFile: string;
let signedMetadata: string;
let metadataServer: LocalHttpServer;
let metadataOrigin: string;

/** The IdP as samlify needs it to address its requests (the STS's own metadata is another suite's subject). */
const identityProvider = () => samlifyRequestTarget('https://sts.test', true);

beforeAll(async () => {
  passwordHash = await testPasswordHash();
  idpSigner = pemPair('/CN=STS SAML signer');
  spSigner = pemPair('/CN=samlify SP signing');
  spEncryption = pemPair('/CN=samlify SP encryption');
  metadataSigner = pemPair('/CN=SP metadata signer');
  samlifySp = samlify.ServiceProvider({
    entityID: SP_ENTITY,
    authnRequestsSigned: true,
    privateKey: spSigner.keyPem,
    signingCert: spSigner.certPem,
    encryptCert: spEncryption.certPem,
    nameIDFormat: [NAMEID_EMAIL],
    assertionConsumerService: [
      { Binding: POST_BINDING, Location: ACS },
      { Binding: POST_BINDING, Location: SECOND_ACS },
    ],
  });
  samlifyMetadataFile = tempFile(samlifySp.getMetadata(), '.xml');
  signedMetadata = signWithXmlsec(
    spMetadataXml({ entityId: 'https://sp.test/published', acs: [{ url: 'https://sp.test/published/acs', index: 0 }], signatureTemplate: true }),
    metadataSigner,
  );
  metadataServer = new LocalHttpServer();
  metadataServer.handler = (req, res) => {
    if (req.url === '/signed') res.end(signedMetadata);
    else if (req.url === '/tampered') res.end(signedMetadata.replace('https://sp.test/published/acs', 'https://evil.test/acs'));
    else {
      res.writeHead(404);
      res.end();
    }
  };
  await metadataServer.listen();
  metadataOrigin = metadataServer.origin;
});
afterAll(async () => {
  await metadataServer.close();
  removeOpensslWorkDir();
});

function samlInstance(saml2: Json): Json {
  return saml2Instance({ issuer: 'https://sts.test', signing_key: 'rsa-saml', ...saml2 });
}

function realm(instances: Json): Json {
  return {
    realm: '/',
    identity_store: fileIdentityStore(passwordHash, { alice: { mail: 'alice@example.com' } }),
    keys: [{ kid: 'rsa-saml', use: 'sig', private_key_file: idpSigner.keyFile, certificate_file: idpSigner.certFile }],
    instances,
  };
}

function assertionOf(res: TestResponse): Element {
  expect(res.status).toBe(200);
  return all(parseXml(res.body.issued_token), SAML, 'Assertion')[0]!;
}

function text(element: Element, name: string): string {
  return all(element, SAML, name)[0]!.textContent ?? '';
}

function subjectConfirmationData(assertion: Element): Element {
  return all(assertion, SAML, 'SubjectConfirmationData')[0]!;
}

describe('an SP named by its metadata, over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      root: realm({
        'sp-file': samlInstance({ sp_metadata: { file: samlifyMetadataFile } }),
        'sp-url': samlInstance({ sp_metadata: { url: `${metadataOrigin}/signed`, certificate_file: metadataSigner.certFile } }),
      }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const translate = (instance: string, output: Json = {}) => server.post(`/rest-sts/${instance}?_action=translate`, usernameTo('SAML2', output));

  it("issues for samlify's SP: its entity ID as audience, its default ACS as recipient", async () => {
    const assertion = assertionOf(await translate('sp-file'));
    expect(text(assertion, 'Audience')).toBe(SP_ENTITY);
    expect(subjectConfirmationData(assertion).getAttribute('Recipient')).toBe(ACS);
  });

  it('issues for the SP whose signed metadata it fetched from a URL', async () => {
    const assertion = assertionOf(await translate('sp-url'));
    expect(text(assertion, 'Audience')).toBe('https://sp.test/published');
    expect(subjectConfirmationData(assertion).getAttribute('Recipient')).toBe('https://sp.test/published/acs');
  });

  it("answers samlify's signed AuthnRequests, Redirect and POST bindings, at the ACS they name", async () => {
    const redirect = samlifySp.createLoginRequest(identityProvider(), 'redirect');
    const query = redirect.context.slice(redirect.context.indexOf('?') + 1);
    const byRedirect = assertionOf(await translate('sp-file', { authn_request_query: query }));
    expect(subjectConfirmationData(byRedirect).getAttribute('InResponseTo')).toBe(redirect.id);

    const post = samlifySp.createLoginRequest(identityProvider(), 'post', { assertionConsumerServiceIndex: 1 }) as { id: string; context: string };
    const byPost = assertionOf(await translate('sp-file', { authn_request: post.context }));
    expect(subjectConfirmationData(byPost).getAttribute('InResponseTo')).toBe(post.id);
    expect(subjectConfirmationData(byPost).getAttribute('Recipient')).toBe(SECOND_ACS);
  });

  it('refuses an unsigned AuthnRequest from an SP whose metadata says it signs them: 400 authn_request_unsigned', async () => {
    const unsigned = `<samlp:AuthnRequest xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="_unsigned" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${SP_ENTITY}</saml:Issuer></samlp:AuthnRequest>`;
    expectErrorBody(await translate('sp-file', { authn_request: Buffer.from(unsigned).toString('base64') }), 400, 'authn_request_unsigned');
  });

  it('refuses a tampered Redirect signature: 400 authn_request_signature_invalid', async () => {
    const redirect = samlifySp.createLoginRequest(identityProvider(), 'redirect', { relayState: 'state-1' });
    const query = redirect.context.slice(redirect.context.indexOf('?') + 1).replace('RelayState=state-1', 'RelayState=state-2');
    expectErrorBody(await translate('sp-file', { authn_request_query: query }), 400, 'authn_request_signature_invalid');
  });

  it("refuses another SP's request: 400 authn_request_issuer_mismatch", async () => {
    const redirect = samlifySp.createLoginRequest(identityProvider(), 'redirect');
    const query = redirect.context.slice(redirect.context.indexOf('?') + 1);
    expectErrorBody(await translate('sp-url', { authn_request_query: query }), 400, 'authn_request_issuer_mismatch');
  });
});

describe('bad SP metadata is refused at load, naming the file or URL and the reason', () => {
  const realms = realmLoading();
  const loadError = (spMetadata: Json) => realms.loadError({ root: realm({ s: samlInstance({ sp_metadata: spMetadata }) }) });

  const file = (xml: string) => tempFile(xml, '.xml');

  it.each<[string, () => Json, RegExp]>([
    ['not well-formed', () => ({ file: file('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">') }), /\.xml: not well-formed XML \(unclosed xml tag/],
    ['a DOCTYPE', () => ({ file: file(`<!DOCTYPE md [<!ENTITY x SYSTEM "file:///etc/passwd">]>${spMetadataXml().replace(/^<\?xml[^>]*>\s*/, '')}`) }), /\.xml: it contains a DOCTYPE/],
    ['no ACS', () => ({ file: file(spMetadataXml({ acs: [{ url: 'https://sp.test/acs', index: 0, binding: REDIRECT_BINDING }] })) }), /\.xml: no AssertionConsumerService with the HTTP-POST binding/],
    ['no SPSSODescriptor', () => ({ file: file(spMetadataXml().replace(/SPSSODescriptor/g, 'IDPSSODescriptor')) }), /\.xml: .* has no SPSSODescriptor for SAML 2\.0/],
    ['expired', () => ({ file: file(spMetadataXml({ validUntil: '2020-01-01T00:00:00Z' })) }), /\.xml: expired: /],
    ['unsigned with a certificate configured', () => ({ file: file(spMetadataXml()), certificate_file: metadataSigner.certFile }), /\.xml: signature refused: it is not signed/],
    ['tampered after signing (URL)', () => ({ url: `${metadataOrigin}/tampered`, certificate_file: metadataSigner.certFile }), /\/tampered: signature refused: .*does not verify/],
    ['signed by another key (URL)', () => ({ url: `${metadataOrigin}/signed`, certificate_file: spSigner.certFile }), /\/signed: signature refused: .*does not verify/],
    ['not found at its URL', () => ({ url: `${metadataOrigin}/missing` }), /\/missing: HTTP 404$/],
    ['a missing file', () => ({ file: 'nowhere/sp.xml' }), /^nowhere\/sp\.xml: file not found \(relative to the configuration directory /],
  ])('%s', async (_name, spMetadata, reason) => {
    expectConfigProblem(await loadError(spMetadata()), 'instances.s.saml2.sp_metadata', reason);
  });

  it('a plain-http URL to a host that is not loopback', async () => {
    expectConfigProblem(await loadError({ url: 'http://sp.test/metadata' }), 'instances.s.saml2.sp_metadata.url', /must use https/);
  });

  it('the server does not start, and says why', async () => {
    const dir = await realms.write({ root: realm({ s: samlInstance({ sp_metadata: { file: file(spMetadataXml({ acs: [] })) } }) }) });
    const error = await startupError(dir);
    expect(error.message).toMatch(/realms\/root\.yaml: instances\.s\.saml2\.sp_metadata: .*\.xml: no AssertionConsumerService with the HTTP-POST binding/);
  });
});
