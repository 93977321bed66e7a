/**
 * `GET /saml2{P}/metadata`: the SAML 2.0 identity provider metadata of an instance that issues
 * SAML2, checked by software we did not write: xmllint against the OASIS metadata schema, xmlsec1
 * for the signed variant, samlify loading it as the IdP an SP talks to. Certificates of generated
 * keys (the only keys here) are compared with the files the server stored.
 */
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document, Element } from '@xmldom/xmldom';
import { expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { certificatePem, pemPair, removeOpensslWorkDir, tempFile } from '../../support/openssl';
import { oidcInstance, rootRealm, saml2Instance } from '../../support/realm-fixtures';
import { realmLoading } from '../../support/realm-loading';
import { metadataSchemaCheck, xmlsecVerify } from '../../support/saml-output-checks';
import { DS, MD, NAMEID_EMAIL, NAMEID_PERSISTENT, NAMEID_UNSPECIFIED, POST_BINDING, REDIRECT_BINDING, SAMLP } from '../../support/saml-names';
import { samlify } from '../../support/samlify';
import { startTestServer, type TestServer } from '../../support/test-server';
import { all, parseXml } from '../../support/xml-dom';

const PUBLIC = 'https://sts.test.example/base';
const DAY_MS = 86_400_000;

let server: TestServer;
let dataDir: string;

function samlInstance(name: string, saml2: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return saml2Instance(
    { issuer: `https://idp.test/${name}`, sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', signing_key: 'saml-rsa', ...saml2 },
    extra,
  );
}

/** An SP that signs its AuthnRequests, as samlify builds it; its metadata file names it for the instance `signing-sp`. */
let signingSp: ReturnType<typeof samlify.ServiceProvider>;
let signingSpMetadataFile: string;

function makeSigningSp(): void {
  const pair = pemPair('/CN=signing-sp');
  signingSp = samlify.ServiceProvider({
    entityID: 'https://signing-sp.test',
    authnRequestsSigned: true,
    signingCert: pair.certPem,
    privateKey: pair.keyPem,
    assertionConsumerService: [{ Binding: POST_BINDING, Location: 'https://signing-sp.test/acs' }],
  });
  signingSpMetadataFile = tempFile(signingSp.getMetadata(), '.sp-metadata.xml');
}

async function serverRealms(): Promise<Record<string, object>> {
  const idp = pemPair('/CN=trusted-idp');
  const root = await rootRealm({
    keys: [
      { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'saml-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'saml-ec', use: 'sig', generate: { type: 'ec', curve: 'P-384' } },
      { kid: 'saml-ring', use: 'sig', generate: { type: 'rsa', size: 2048 }, rotation: { every_days: 30, prepublish_days: 5 } },
      { kid: 'dec-rsa', use: 'enc', generate: { type: 'rsa', size: 2048 } },
      { kid: 'pairwise-secret', use: 'sig', generate: { type: 'oct', size: 256 } },
    ],
    instances: {
      default: oidcInstance('RS256', 'rsa-1'),
      plain: samlInstance('plain'),
      signed: samlInstance('signed', { metadata: { sign: true, valid_seconds: 7200, cache_duration_seconds: 600 } }),
      'signed-ec': samlInstance('signed-ec', { signing_key: 'saml-ec', sign_assertion: false, metadata: { sign: true } }),
      encrypting: samlInstance('encrypting', {}, {
        supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }, { from: 'SAML2', to: 'SAML2' }],
        saml2_validation: {
          trusted_idps: [{ entity_id: 'https://trusted-idp.test', certificate_file: idp.certFile }],
          audience: 'https://idp.test/encrypting',
          recipients: [`${PUBLIC}/rest-sts/encrypting`],
          decryption_key: 'dec-rsa',
        },
      }),
      rollover: samlInstance('rollover', { signing_key: 'saml-ring', metadata: { sign: true } }),
      pairwise: samlInstance('pairwise', { name_id: { pairwise_key: 'pairwise-secret' } }),
      email: samlInstance('email', { name_id_format: NAMEID_EMAIL, metadata: { single_sign_on_url: 'https://login.test/sso' } }),
      'signing-sp': samlInstance('signing-sp', { sp_entity_id: undefined, sp_acs_url: undefined, sp_metadata: { file: signingSpMetadataFile } }),
    },
  });
  const euFr = { realm: '/eu/fr', identity_store: root.identity_store, keys: [{ kid: 'fr-saml', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }], instances: { partners: samlInstance('partners', { signing_key: 'fr-saml' }) } };
  return { root, 'eu-fr': euFr };
}

/** A ring whose first version activated 29 days ago: the second (due at 30) is pre-published now. */
async function ringInRollover(dataDir: string): Promise<void> {
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const ring = { versions: [{ n: 1, activates_at: new Date(Date.now() - 29 * DAY_MS).toISOString() }] };
  await writeFile(join(dataDir, 'keys', 'saml-ring.ring.json'), JSON.stringify(ring), { mode: 0o600 });
}

beforeAll(async () => {
  makeSigningSp();
  dataDir = await mkdtemp(join(tmpdir(), 'sts-idp-metadata-'));
  await ringInRollover(dataDir);
  server = await startTestServer(await serverRealms(), { dataDir }, { public_base_url: PUBLIC, rate_limits: { per_address: { requests: 1, per_seconds: 60 } } });
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  removeOpensslWorkDir();
});

async function fetchMetadata(path: string): Promise<Response> {
  return fetch(`${server.baseUrl}/saml2${path}/metadata`);
}

async function metadataOf(path: string): Promise<{ text: string; doc: Document; root: Element }> {
  const response = await fetchMetadata(path);
  const text = await response.text();
  expect(response.status).toBe(200);
  const doc = parseXml(text);
  return { text, doc, root: doc.documentElement! };
}

/** xmllint's verdict against the OASIS metadata schema (offline, through the fixtures' catalog). */
function expectSchemaValid(xml: string): void {
  expect(metadataSchemaCheck(xml)).toEqual([0, '- validates\n']);
}

/** use, KeyName and the certificate (base64 DER) of each KeyDescriptor, in order. */
function keyDescriptors(root: Element): { use: string; kid: string; certificate: string }[] {
  return all(root, MD, 'KeyDescriptor').map((descriptor) => ({
    use: descriptor.getAttribute('use')!,
    kid: all(descriptor, DS, 'KeyName')[0].textContent!,
    certificate: all(descriptor, DS, 'X509Certificate')[0].textContent!,
  }));
}

/** The certificate the server stored for a generated key, as base64 DER. */
async function storedCertificate(kid: string): Promise<string> {
  return new X509Certificate(await readFile(join(dataDir, 'keys', `${kid}.crt.pem`))).raw.toString('base64');
}

/** xmlsec1's verdict on the metadata's signature against the certificate (base64 DER). */
const verifyMetadata = (xml: string, certificate: string) => xmlsecVerify(xml, tempFile(certificatePem(certificate), '.crt.pem'), 'EntityDescriptor');

describe('the metadata of an instance that issues SAML2', () => {
  it('is an EntityDescriptor with an IDPSSODescriptor, valid against the OASIS metadata schema, as application/samlmetadata+xml', async () => {
    const response = await fetchMetadata('/plain');
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/samlmetadata+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor ')).toBe(true);
    expectSchemaValid(text);

    const root = parseXml(text).documentElement!;
    expect({ ns: root.namespaceURI, name: root.localName, entityID: root.getAttribute('entityID') }).toEqual({ ns: MD, name: 'EntityDescriptor', entityID: 'https://idp.test/plain' });
    expect(root.getAttribute('ID')).toMatch(/^_[0-9a-f]{40}$/);
    expect(Math.abs(Date.parse(root.getAttribute('validUntil')!) - (Date.now() + 604_800_000))).toBeLessThan(60_000);
    expect(root.getAttribute('cacheDuration')).toBe('PT86400S');
    const [idp, ...others] = all(root, MD, 'IDPSSODescriptor');
    expect(others).toEqual([]);
    expect(idp.getAttribute('protocolSupportEnumeration')).toBe(SAMLP);
    expect(idp.hasAttribute('WantAuthnRequestsSigned')).toBe(false);
    expect(keyDescriptors(root)).toEqual([{ use: 'signing', kid: 'saml-rsa', certificate: await storedCertificate('saml-rsa') }]);
    expect(all(root, MD, 'NameIDFormat').map((e) => e.textContent)).toEqual([NAMEID_UNSPECIFIED]);
    expect(all(root, MD, 'SingleSignOnService').map((e) => [e.getAttribute('Binding'), e.getAttribute('Location')])).toEqual([
      [REDIRECT_BINDING, `${PUBLIC}/rest-sts/plain?_action=translate`],
      [POST_BINDING, `${PUBLIC}/rest-sts/plain?_action=translate`],
    ]);
    expect(all(root, DS, 'Signature')).toEqual([]);
  });

  it('is what samlify (an SP library we did not write) loads as the IdP: entity ID, signing certificate, SSO URLs', async () => {
    const { text } = await metadataOf('/plain');
    const idp = samlify.IdentityProvider({ metadata: text });
    expect(idp.entityMeta.getEntityID()).toBe('https://idp.test/plain');
    expect(idp.entityMeta.getX509Certificate('signing')).toBe(await storedCertificate('saml-rsa'));
    expect(idp.entityMeta.getSingleSignOnService('post')).toBe(`${PUBLIC}/rest-sts/plain?_action=translate`);
    expect(idp.entityMeta.getSingleSignOnService('redirect')).toBe(`${PUBLIC}/rest-sts/plain?_action=translate`);
  });

  it('signed: an enveloped signature, first child, that xmlsec1 verifies with the signing certificate, and refuses once altered', async () => {
    const { text, root } = await metadataOf('/signed');
    expectSchemaValid(text);
    const signature = all(root, DS, 'Signature');
    expect(signature).toHaveLength(1);
    expect(signature[0].parentNode).toBe(root);
    expect(root.firstChild).toBe(signature[0]);
    expect(all(signature[0], DS, 'Reference')[0].getAttribute('URI')).toBe(`#${root.getAttribute('ID')}`);
    expect(root.getAttribute('cacheDuration')).toBe('PT600S');
    expect(Math.abs(Date.parse(root.getAttribute('validUntil')!) - (Date.now() + 7_200_000))).toBeLessThan(60_000);

    const certificate = await storedCertificate('saml-rsa');
    expect(verifyMetadata(text, certificate)).toEqual([0, expect.stringContaining('OK')]);
    const altered = text.replace('https://idp.test/signed', 'https://evil.test/signed');
    expect(altered).not.toBe(text);
    expect(verifyMetadata(altered, certificate)[0]).not.toBe(0);

    const idp = samlify.IdentityProvider({ metadata: text });
    expect(idp.entityMeta.getEntityID()).toBe('https://idp.test/signed');
  });

  it('signed with an EC key (ECDSA with the curve\'s hash), even when the assertions are not signed', async () => {
    const { text, root } = await metadataOf('/signed-ec');
    expectSchemaValid(text);
    expect(all(root, DS, 'SignatureMethod')[0].getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384');
    expect(verifyMetadata(text, await storedCertificate('saml-ec'))[0]).toBe(0);
  });

  it('publishes the decryption key of SAML2 input as the encryption KeyDescriptor', async () => {
    const { text, root } = await metadataOf('/encrypting');
    expectSchemaValid(text);
    expect(keyDescriptors(root)).toEqual([
      { use: 'signing', kid: 'saml-rsa', certificate: await storedCertificate('saml-rsa') },
      { use: 'encryption', kid: 'dec-rsa', certificate: await storedCertificate('dec-rsa') },
    ]);
    const idp = samlify.IdentityProvider({ metadata: text });
    expect(idp.entityMeta.getX509Certificate('encryption')).toBe(await storedCertificate('dec-rsa'));
  });

  it('during a rollover of a rotating key: the signing version and the pre-published next one, each with its certificate', async () => {
    const { text, root } = await metadataOf('/rollover');
    expectSchemaValid(text);
    expect(keyDescriptors(root)).toEqual([
      { use: 'signing', kid: 'saml-ring.v1', certificate: await storedCertificate('saml-ring.v1') },
      { use: 'signing', kid: 'saml-ring.v2', certificate: await storedCertificate('saml-ring.v2') },
    ]);
    expect(await storedCertificate('saml-ring.v1')).not.toBe(await storedCertificate('saml-ring.v2'));
    // Signed by the version that signs now.
    expect(verifyMetadata(text, await storedCertificate('saml-ring.v1'))[0]).toBe(0);
    expect(verifyMetadata(text, await storedCertificate('saml-ring.v2'))[0]).not.toBe(0);
    const idp = samlify.IdentityProvider({ metadata: text });
    expect(idp.entityMeta.getX509Certificate('signing')).toEqual([await storedCertificate('saml-ring.v1'), await storedCertificate('saml-ring.v2')]);
  });

  it('says WantAuthnRequestsSigned="true" exactly when the SP\'s metadata says it signs its AuthnRequests, as samlify requires', async () => {
    const signing = await metadataOf('/signing-sp');
    expectSchemaValid(signing.text);
    expect(all(signing.root, MD, 'IDPSSODescriptor')[0].getAttribute('WantAuthnRequestsSigned')).toBe('true');
    const request = signingSp.createLoginRequest(samlify.IdentityProvider({ metadata: signing.text }), 'redirect') as { context: string };
    expect(new URL(request.context).searchParams.get('Signature')).toBeTruthy();
    // The same SP against an IdP that does not want signed requests: samlify refuses the mismatch.
    const plain = samlify.IdentityProvider({ metadata: (await metadataOf('/plain')).text });
    expect(() => signingSp.createLoginRequest(plain, 'redirect')).toThrow(/ERR_METADATA_CONFLICT_REQUEST_SIGNED_FLAG/);
  });

  it('lists the persistent format for a pairwise NameID, and the configured format and SSO URL', async () => {
    const pairwise = await metadataOf('/pairwise');
    expectSchemaValid(pairwise.text);
    expect(all(pairwise.root, MD, 'NameIDFormat').map((e) => e.textContent)).toEqual([NAMEID_PERSISTENT]);

    const email = await metadataOf('/email');
    expectSchemaValid(email.text);
    expect(all(email.root, MD, 'NameIDFormat').map((e) => e.textContent)).toEqual([NAMEID_EMAIL]);
    expect(all(email.root, MD, 'SingleSignOnService').map((e) => e.getAttribute('Location'))).toEqual(['https://login.test/sso', 'https://login.test/sso']);
  });

  it('serves an instance of a realm below the root at /saml2/<realm path>/<instance>/metadata', async () => {
    const { text, root } = await metadataOf('/eu/fr/partners');
    expectSchemaValid(text);
    expect(root.getAttribute('entityID')).toBe('https://idp.test/partners');
    expect(keyDescriptors(root).map((d) => d.kid)).toEqual(['fr-saml']);
    expect(all(root, MD, 'SingleSignOnService')[0].getAttribute('Location')).toBe(`${PUBLIC}/rest-sts/eu/fr/partners?_action=translate`);
  });

  it('is not rate limited (as the JWKS is not), unlike the token endpoint', async () => {
    const statuses = await Promise.all(Array.from({ length: 3 }, async () => (await fetchMetadata('/plain')).status));
    expect(statuses).toEqual([200, 200, 200]);
  });
});

describe('refused requests: 404 with the error body and a code', () => {
  const json = async (response: Response) => ({ status: response.status, headers: response.headers, body: (await response.json()) as { code: string; message: string } });

  it.each([
    ['an unknown instance', '/saml2/nope/metadata', 'instance_not_found', /No STS instance \/nope/],
    ['an unknown realm', '/saml2/xx/yy/metadata', 'instance_not_found', /No STS instance \/xx\/yy/],
    ['an instance that issues no SAML2 tokens', '/saml2/default/metadata', 'saml2_metadata_not_found', /Instance \/default issues no SAML2 tokens/],
    ['an instance path without /metadata', '/saml2/plain', 'not_found', /No such endpoint/],
    ['another document of an instance', '/saml2/plain/metadata/extra', 'not_found', /No such endpoint/],
  ])('%s (%s)', async (_what, path, code, message) => {
    const res = await json(await fetch(`${server.baseUrl}${path}`));
    expectErrorBody(res, 404, code);
    expect(res.body.message).toMatch(message);
  });
});

describe('certificates of generated keys across restarts', () => {
  it('a second server on the same data directory publishes the same certificates', async () => {
    const realms = await serverRealms();
    const again = await startTestServer(realms, { dataDir }, { public_base_url: PUBLIC });
    try {
      const first = keyDescriptors((await metadataOf('/encrypting')).root);
      const response = await fetch(`${again.baseUrl}/saml2/encrypting/metadata`);
      const second = keyDescriptors(parseXml(await response.text()).documentElement!);
      expect(second).toEqual(first);
    } finally {
      await again.close();
    }
  });
});

describe('configuration refused at load', () => {
  const realms = realmLoading();

  async function loadError(instances: Record<string, unknown>, keys?: unknown[]) {
    return realms.loadError({ root: await rootRealm({ keys: keys ?? [{ kid: 'saml-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } }], instances }) });
  }

  it('metadata.sign without a signing key (assertions unsigned)', async () => {
    const { signing_key: _none, ...saml2 } = (samlInstance('x', { sign_assertion: false, metadata: { sign: true } }).saml2 as Record<string, unknown>);
    const error = await loadError({ x: { supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }], saml2 } });
    expectConfigProblem(error, 'instances.x.saml2.metadata.sign', /the metadata is signed with saml2\.signing_key: set saml2\.signing_key/);
  });

  it('metadata.sign with a key that cannot sign XML (an HMAC secret)', async () => {
    const error = await loadError(
      { x: samlInstance('x', { signing_key: 'hs', sign_assertion: false, metadata: { sign: true } }) },
      [{ kid: 'hs', use: 'sig', generate: { type: 'oct', size: 256 } }],
    );
    expectConfigProblem(error, 'instances.x.saml2.metadata.sign', /the metadata is signed with saml2\.signing_key: key "hs" is a shared secret/);
  });

  it('a decryption key without a certificate (a key file without certificate_file)', async () => {
    const idp = pemPair('/CN=idp-for-load');
    const error = await loadError(
      {
        x: samlInstance('x', {}, {
          supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }],
          saml2_validation: { trusted_idps: [{ entity_id: 'https://i.test', certificate_file: idp.certFile }], audience: 'a', recipients: ['https://sts.test/x'], decryption_key: 'dec-file' },
        }),
      },
      [{ kid: 'saml-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } }, { kid: 'dec-file', use: 'enc', private_key_file: idp.keyFile }],
    );
    expectConfigProblem(error, 'instances.x.saml2_validation.decryption_key', /key "dec-file" has no certificate, which the identity provider metadata publishes as the encryption key/);
  });

  it('a single_sign_on_url that is not an http(s) URL', async () => {
    const error = await loadError({ x: samlInstance('x', { metadata: { single_sign_on_url: 'login page' } }) });
    expectConfigProblem(error, 'instances.x.saml2.metadata.single_sign_on_url', /single_sign_on_url must be an http\(s\) URL/);
  });

  it.each([
    ['valid_seconds', 60, /valid_seconds must not be less than 3600/],
    ['cache_duration_seconds', 10, /cache_duration_seconds must not be less than 60/],
  ])('metadata.%s out of range', async (key, value, message) => {
    const error = await loadError({ x: samlInstance('x', { metadata: { [key]: value } }) });
    expectConfigProblem(error, `instances.x.saml2.metadata.${key}`, message);
  });
});
