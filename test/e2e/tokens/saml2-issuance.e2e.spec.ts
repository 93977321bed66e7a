/**
 * Output type SAML2 (SPEC 3 `saml2:`, 4.1 `SAML2 {subject_confirmation, proof_token_state?}`):
 * SAML 2.0 assertions over HTTP. openssl makes every key and certificate; xmlsec1 (an
 * independent XML security implementation) verifies every signature and decrypts every
 * encrypted part, so nothing here trusts the libraries that produced them. Then the load-time
 * refusals of a saml2 section that could not issue.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { Element } from '@xmldom/xmldom';
import { expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { EC_P256_KEY, pemPair, removeOpensslWorkDir, type PemPair } from '../../support/openssl';
import { fileIdentityStore, saml2Instance, testPasswordHash, usernameTo, type Json } from '../../support/realm-fixtures';
import { realmLoading } from '../../support/realm-loading';
import { xmlsecDecrypt, xmlsecVerify } from '../../support/saml-output-checks';
import { DS, NAMEID_EMAIL, SAML, XENC, XSI } from '../../support/saml-names';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';
import { all, child, childNames, one, parseXml } from '../../support/xml-dom';

const ISSUER = 'https://sts.test';
const SP = 'https://sp.test';
const ACS = 'https://sp.test/saml/acs';
const LIFETIME = 600;
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';

function saml2Config(extra: Json = {}): Json {
  return {
    issuer: ISSUER,
    sp_entity_id: SP,
    sp_acs_url: ACS,
    name_id_format: NAMEID_EMAIL,
    token_lifetime_seconds: LIFETIME,
    attribute_map: { email: 'mail', memberOf: 'groups', missing: 'no-such-attribute' },
    signing_key: 'rsa-saml',
    ...extra,
  };
}

/** A time the assertion carries, in ms. */
function timeOf(element: Element, attribute: string): number {
  const value = element.getAttribute(attribute)!;
  expect(value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return Date.parse(value);
}

let passwordHash: string;
let rsaSigner: PemPair;
let ecSigner: PemPair;
let sp: PemPair;
let holder: PemPair;
let holderDerBase64: string;

beforeAll(async () => {
  passwordHash = await testPasswordHash();
  rsaSigner = pemPair('/CN=STS SAML signer');
  ecSigner = pemPair('/CN=STS EC signer', EC_P256_KEY);
  sp = pemPair('/CN=SP encryption');
  holder = pemPair('/CN=alice holder', EC_P256_KEY);
  holderDerBase64 = holder.certBase64;
});
afterAll(() => removeOpensslWorkDir());

function realm(instances: Json, extraKeys: Json[] = []): Json {
  return {
    realm: '/',
    identity_store: fileIdentityStore(passwordHash, { alice: { mail: 'alice@example.com', cn: 'Alice', groups: ['staff', 'admins'] } }),
    keys: [
      { kid: 'rsa-saml', use: 'sig', private_key_file: rsaSigner.keyFile, certificate_file: rsaSigner.certFile },
      ...extraKeys,
    ],
    instances,
  };
}

describe('USERNAME -> SAML2 assertions over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      root: realm(
        {
          saml: saml2Instance(saml2Config()),
          'saml-ec': saml2Instance(saml2Config({ signing_key: 'ec-saml' })),
          'enc-assertion': saml2Instance(saml2Config({ encryption: { sp_certificate_file: sp.certFile } })),
          'enc-name-id': saml2Instance(
            saml2Config({ encryption: { sp_certificate_file: sp.certFile, encrypt_assertion: false, encrypt_name_id: true } }),
          ),
          'enc-attributes': saml2Instance(
            saml2Config({
              attribute_map: { email: 'mail' },
              encryption: { sp_certificate_file: sp.certFile, encrypt_assertion: false, encrypt_attributes: true },
            }),
          ),
          'no-attributes': saml2Instance(saml2Config({ attribute_map: {} })),
        },
        [{ kid: 'ec-saml', use: 'sig', private_key_file: ecSigner.keyFile, certificate_file: ecSigner.certFile }],
      ),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const translate = (instance: string, output: Json): Promise<TestResponse> =>
    server.post(`/rest-sts/${instance}?_action=translate`, usernameTo('SAML2', output));

  /** Issues an assertion and returns its XML, with the wall-clock window of the request. */
  async function issue(instance: string, output: Json): Promise<{ xml: string; before: number; after: number }> {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const res = await translate(instance, output);
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['issued_token']);
    expect(typeof res.body.issued_token).toBe('string');
    return { xml: res.body.issued_token, before, after };
  }

  /** Everything every assertion carries, whatever its subject confirmation. */
  function expectAssertion(xml: string, before: number, after: number, signer = { method: RSA_SHA256, certFile: rsaSigner.certFile }): Element {
    const doc = parseXml(xml);
    const assertion = doc.documentElement!;
    expect([assertion.namespaceURI, assertion.localName]).toEqual([SAML, 'Assertion']);
    expect(assertion.getAttribute('ID')).toMatch(/^_[0-9a-f]{32}$/);
    expect(assertion.getAttribute('Version')).toBe('2.0');
    const issueInstant = timeOf(assertion, 'IssueInstant');
    expect(issueInstant).toBeGreaterThanOrEqual(before);
    expect(issueInstant).toBeLessThanOrEqual(after);
    // Schema order, with the enveloped signature right after Issuer.
    expect(childNames(assertion).slice(0, 5)).toEqual(['Issuer', 'Signature', 'Subject', 'Conditions', 'AuthnStatement']);
    expect(one(doc, SAML, 'Issuer').textContent).toBe(ISSUER);

    const nameId = one(doc, SAML, 'NameID');
    expect(nameId.textContent).toBe('alice');
    expect(nameId.getAttribute('Format')).toBe(NAMEID_EMAIL);

    const conditions = one(doc, SAML, 'Conditions');
    expect(issueInstant - timeOf(conditions, 'NotBefore')).toBe(60_000);
    expect(timeOf(conditions, 'NotOnOrAfter') - issueInstant).toBe(LIFETIME * 1000);
    expect(one(one(conditions, SAML, 'AudienceRestriction'), SAML, 'Audience').textContent).toBe(SP);

    const authn = one(doc, SAML, 'AuthnStatement');
    const authnInstant = timeOf(authn, 'AuthnInstant');
    expect(authnInstant).toBeGreaterThanOrEqual(before);
    expect(authnInstant).toBeLessThanOrEqual(after);
    expect(authn.getAttribute('SessionIndex')).toMatch(/^_[0-9a-f]{32}$/);
    expect(authn.getAttribute('SessionIndex')).not.toBe(assertion.getAttribute('ID'));
    expect(one(authn, SAML, 'AuthnContextClassRef').textContent).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');

    const signature = one(doc, DS, 'Signature');
    expect(one(signature, DS, 'SignatureMethod').getAttribute('Algorithm')).toBe(signer.method);
    expect(one(signature, DS, 'CanonicalizationMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/10/xml-exc-c14n#');
    expect(one(signature, DS, 'Reference').getAttribute('URI')).toBe(`#${assertion.getAttribute('ID')}`);
    expect(all(signature, DS, 'Transform').map((t) => t.getAttribute('Algorithm'))).toEqual([
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ]);
    expect(one(signature, DS, 'DigestMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmlenc#sha256');
    const signerDer = readFileSync(signer.certFile, 'utf8').replace(/-----[^-]+-----|\s/g, '');
    expect(one(signature, DS, 'X509Certificate').textContent!.replace(/\s/g, '')).toBe(signerDer);
    return assertion;
  }

  function expectMappedAttributes(assertion: Element): void {
    const attributes = all(one(assertion, SAML, 'AttributeStatement'), SAML, 'Attribute');
    const byName = Object.fromEntries(attributes.map((a) => [a.getAttribute('Name'), a]));
    expect(Object.keys(byName).sort()).toEqual(['email', 'memberOf']);
    for (const attribute of attributes) expect(attribute.getAttribute('NameFormat')).toBe('urn:oasis:names:tc:SAML:2.0:attrname-format:basic');
    const values = (name: string) => all(byName[name], SAML, 'AttributeValue').map((v) => v.textContent);
    expect(values('email')).toEqual(['alice@example.com']);
    expect(values('memberOf')).toEqual(['staff', 'admins']);
  }

  it('BEARER (the default): recipient and expiry in SubjectConfirmationData, signature verified by xmlsec1', async () => {
    const { xml, before, after } = await issue('saml', {});
    const assertion = expectAssertion(xml, before, after);
    const confirmation = one(assertion, SAML, 'SubjectConfirmation');
    expect(confirmation.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    const data = one(confirmation, SAML, 'SubjectConfirmationData');
    expect(data.getAttribute('Recipient')).toBe(ACS);
    expect(timeOf(data, 'NotOnOrAfter')).toBe(timeOf(one(assertion, SAML, 'Conditions'), 'NotOnOrAfter'));
    expectMappedAttributes(assertion);

    expect(xmlsecVerify(xml, rsaSigner.certFile)).toEqual([0, expect.stringContaining('OK')]);
    // Another certificate, or one changed NameID, and the signature no longer holds.
    expect(xmlsecVerify(xml, sp.certFile)[0]).not.toBe(0);
    const tampered = xml.replace('>alice</saml:NameID>', '>mallory</saml:NameID>');
    expect(tampered).not.toBe(xml);
    expect(xmlsecVerify(tampered, rsaSigner.certFile)[0]).not.toBe(0);
  });

  it('an EC P-256 signing key: ECDSA-SHA256 (r || s) that xmlsec1 verifies with its certificate', async () => {
    const { xml, before, after } = await issue('saml-ec', {});
    const assertion = expectAssertion(xml, before, after, { method: ECDSA_SHA256, certFile: ecSigner.certFile });
    expectMappedAttributes(assertion);
    // XML-DSig 1.1 ECDSA SignatureValue: r || s, 32 bytes each on P-256 (not DER).
    expect(Buffer.from(one(parseXml(xml), DS, 'SignatureValue').textContent!.replace(/\s/g, ''), 'base64')).toHaveLength(64);

    expect(xmlsecVerify(xml, ecSigner.certFile)).toEqual([0, expect.stringContaining('OK')]);
    expect(xmlsecVerify(xml, rsaSigner.certFile)[0]).not.toBe(0);
    const tampered = xml.replace('>alice</saml:NameID>', '>mallory</saml:NameID>');
    expect(tampered).not.toBe(xml);
    expect(xmlsecVerify(tampered, ecSigner.certFile)[0]).not.toBe(0);
  });

  it('an explicit BEARER gives the same shape, with a fresh ID each time', async () => {
    const first = await issue('saml', { subject_confirmation: 'BEARER' });
    const second = await issue('saml', { subject_confirmation: 'BEARER' });
    const a = expectAssertion(first.xml, first.before, first.after);
    const b = expectAssertion(second.xml, second.before, second.after);
    expect(a.getAttribute('ID')).not.toBe(b.getAttribute('ID'));
    expect(one(a, SAML, 'SubjectConfirmation').getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    expect(xmlsecVerify(second.xml, rsaSigner.certFile)[0]).toBe(0);
  });

  it('SENDER_VOUCHES: the method and no SubjectConfirmationData', async () => {
    const { xml, before, after } = await issue('saml', { subject_confirmation: 'SENDER_VOUCHES' });
    const assertion = expectAssertion(xml, before, after);
    const confirmation = one(assertion, SAML, 'SubjectConfirmation');
    expect(confirmation.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:sender-vouches');
    expect(all(confirmation, SAML, 'SubjectConfirmationData')).toHaveLength(0);
    expectMappedAttributes(assertion);
    expect(xmlsecVerify(xml, rsaSigner.certFile)[0]).toBe(0);
  });

  it('HOLDER_OF_KEY: the proof certificate in KeyInfoConfirmationDataType', async () => {
    const { xml, before, after } = await issue('saml', {
      subject_confirmation: 'HOLDER_OF_KEY',
      proof_token_state: { base64EncodedCertificate: holderDerBase64 },
    });
    const assertion = expectAssertion(xml, before, after);
    const confirmation = one(assertion, SAML, 'SubjectConfirmation');
    expect(confirmation.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:holder-of-key');
    const data = one(confirmation, SAML, 'SubjectConfirmationData');
    expect(data.getAttributeNS(XSI, 'type')).toBe('saml:KeyInfoConfirmationDataType');
    expect(data.lookupNamespaceURI('saml')).toBe(SAML);
    expect(data.hasAttribute('Recipient')).toBe(false);
    const keyInfo = one(data, DS, 'KeyInfo');
    expect(one(one(keyInfo, DS, 'X509Data'), DS, 'X509Certificate').textContent).toBe(holderDerBase64);
    expect(xmlsecVerify(xml, rsaSigner.certFile)[0]).toBe(0);
  });

  it('no AttributeStatement when attribute_map yields nothing', async () => {
    const { xml, before, after } = await issue('no-attributes', {});
    const assertion = expectAssertion(xml, before, after);
    expect(all(assertion, SAML, 'AttributeStatement')).toHaveLength(0);
    expect(xmlsecVerify(xml, rsaSigner.certFile)[0]).toBe(0);
  });

  it('encrypt_assertion: EncryptedAssertion that the SP key decrypts to the signed assertion', async () => {
    const { xml, before, after } = await issue('enc-assertion', {});
    const doc = parseXml(xml);
    expect([doc.documentElement!.namespaceURI, doc.documentElement!.localName]).toEqual([SAML, 'EncryptedAssertion']);
    const data = one(doc, XENC, 'EncryptedData');
    expect(child(data, XENC, 'EncryptionMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2009/xmlenc11#aes256-gcm');
    expect(one(one(data, XENC, 'EncryptedKey'), XENC, 'EncryptionMethod').getAttribute('Algorithm')).toBe(
      'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    );
    expect(xml).not.toContain('alice');

    const plain = xmlsecDecrypt(xml, sp.keyFile);
    const assertion = one(parseXml(plain), SAML, 'Assertion');
    expect(assertion.parentNode).toMatchObject({ localName: 'EncryptedAssertion' });
    const standalone = plain.slice(plain.indexOf('<saml:Assertion'), plain.indexOf('</saml:EncryptedAssertion>'));
    expectAssertion(standalone, before, after);
    expectMappedAttributes(assertion);
    expect(xmlsecVerify(plain, rsaSigner.certFile)).toEqual([0, expect.stringContaining('OK')]);
    expect(xmlsecVerify(plain.replace('>alice</saml:NameID>', '>mallory</saml:NameID>'), rsaSigner.certFile)[0]).not.toBe(0);
  });

  it('encrypt_name_id: EncryptedID in the signed assertion, decrypted to the NameID', async () => {
    const { xml } = await issue('enc-name-id', {});
    const doc = parseXml(xml);
    expect(all(doc, SAML, 'NameID')).toHaveLength(0);
    const encryptedId = one(one(doc, SAML, 'Subject'), SAML, 'EncryptedID');
    one(encryptedId, XENC, 'EncryptedData');
    expect(all(doc, SAML, 'Attribute')).toHaveLength(2); // attributes stay in clear
    expect(xmlsecVerify(xml, rsaSigner.certFile)[0]).toBe(0);

    const plain = parseXml(xmlsecDecrypt(xml, sp.keyFile));
    const nameId = one(plain, SAML, 'NameID');
    expect(nameId.textContent).toBe('alice');
    expect(nameId.getAttribute('Format')).toBe(NAMEID_EMAIL);
    expect(nameId.parentNode).toMatchObject({ localName: 'EncryptedID' });
  });

  it('encrypt_attributes: EncryptedAttribute in the signed assertion, decrypted to the Attribute', async () => {
    const { xml } = await issue('enc-attributes', {});
    const doc = parseXml(xml);
    expect(all(doc, SAML, 'Attribute')).toHaveLength(0);
    expect(xml).not.toContain('alice@example.com');
    const statement = one(doc, SAML, 'AttributeStatement');
    expect(childNames(statement)).toEqual(['EncryptedAttribute']);
    expect(one(doc, SAML, 'NameID').textContent).toBe('alice');
    expect(xmlsecVerify(xml, rsaSigner.certFile)[0]).toBe(0);

    const attribute = one(parseXml(xmlsecDecrypt(xml, sp.keyFile)), SAML, 'Attribute');
    expect(attribute.getAttribute('Name')).toBe('email');
    expect(one(attribute, SAML, 'AttributeValue').textContent).toBe('alice@example.com');
  });

  it('an unknown subject_confirmation -> 400 invalid_request', async () => {
    expectErrorBody(await translate('saml', { subject_confirmation: 'BEARER_TOKEN' }), 400, 'invalid_request');
    expectErrorBody(await translate('saml', { subject_confirmation: 7 }), 400, 'invalid_request');
  });

  it('HOLDER_OF_KEY without proof_token_state -> 400 invalid_request', async () => {
    expectErrorBody(await translate('saml', { subject_confirmation: 'HOLDER_OF_KEY' }), 400, 'invalid_request');
    expectErrorBody(await translate('saml', { subject_confirmation: 'HOLDER_OF_KEY', proof_token_state: {} }), 400, 'invalid_request');
  });

  it('HOLDER_OF_KEY with something that is not a certificate -> 400 invalid_proof_certificate', async () => {
    const proofs = [
      'bm90IGEgY2VydGlmaWNhdGU=', // "not a certificate"
      '%%%not base64%%%',
      readFileSync(holder.certFile, 'utf8'), // PEM, not base64 DER
      `${holderDerBase64}AAAA`, // trailing bytes
    ];
    for (const base64EncodedCertificate of proofs) {
      const res = await translate('saml', { subject_confirmation: 'HOLDER_OF_KEY', proof_token_state: { base64EncodedCertificate } });
      expectErrorBody(res, 400, 'invalid_proof_certificate');
    }
  });

  it('a wrong password is still 401 (the output state is fine)', async () => {
    const res = await server.post('/rest-sts/saml?_action=translate', usernameTo('SAML2', {}, 'alice', 'wrong'));
    expectErrorBody(res, 401, 'invalid_credentials');
  });
});

describe('saml2 configuration refusals at load', () => {
  const realms = realmLoading({ sharedDataDir: true });

  const extraKeys = (): Json[] => [
    { kid: 'ec-saml', use: 'sig', private_key_file: ecSigner.keyFile, certificate_file: ecSigner.certFile },
    { kid: 'rsa-nocert', use: 'sig', private_key_file: rsaSigner.keyFile },
    { kid: 'ec-nocert', use: 'sig', private_key_file: ecSigner.keyFile },
    { kid: 'ec-generated', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
    { kid: 'hs-1', use: 'sig', generate: { type: 'oct', size: 256 } },
  ];

  const load = (instance: Json) => realms.load({ root: realm({ s: instance }, extraKeys()) });
  const loadError = (instance: Json) => realms.loadError({ root: realm({ s: instance }, extraKeys()) });

  it('loads a valid instance (so the refusals below are about the one change each makes)', async () => {
    const set = await load(saml2Instance(saml2Config({ encryption: { sp_certificate_file: sp.certFile } })));
    expect(set.instance('/s')?.instance.settings.saml2).toMatchObject({ signing_key: 'rsa-saml', sign_assertion: true });
  });

  it('a SAML2 transform without saml2', async () => {
    expectConfigProblem(await loadError(saml2Instance(undefined)), 'instances.s.saml2', /missing; SAML2 output needs a saml2 section/);
  });

  it('sign_assertion without signing_key', async () => {
    const { signing_key: _omitted, ...config } = saml2Config();
    expectConfigProblem(await loadError(saml2Instance(config)), 'instances.s.saml2.signing_key', /required when sign_assertion is true/);
  });

  it('a signing key that does not exist', async () => {
    expectConfigProblem(await loadError(saml2Instance(saml2Config({ signing_key: 'nope' }))), 'instances.s.saml2.signing_key', /no key "nope" in realm \//);
  });

  it('a signing key without certificate_file', async () => {
    expectConfigProblem(
      await loadError(saml2Instance(saml2Config({ signing_key: 'rsa-nocert' }))),
      'instances.s.saml2.signing_key',
      /key "rsa-nocert" has no certificate_file/,
    );
  });

  it('an HMAC (oct) key', async () => {
    expectConfigProblem(await loadError(saml2Instance(saml2Config({ signing_key: 'hs-1' }))), 'instances.s.saml2.signing_key', /shared secret/);
  });

  it('an EC P-256 key with its certificate loads (signed with ECDSA-SHA256)', async () => {
    const set = await load(saml2Instance(saml2Config({ signing_key: 'ec-saml' })));
    expect(set.instance('/s')?.instance.settings.saml2).toMatchObject({ signing_key: 'ec-saml' });
  });

  it('a generated key loads: the server made its certificate', async () => {
    const set = await load(saml2Instance(saml2Config({ signing_key: 'ec-generated' })));
    expect(set.instance('/s')?.realm.keys.get('ec-generated')?.certificate?.subject).toBe('CN=ec-generated');
  });

  it('an EC key without certificate_file', async () => {
    expectConfigProblem(await loadError(saml2Instance(saml2Config({ signing_key: 'ec-nocert' }))), 'instances.s.saml2.signing_key', /key "ec-nocert" has no certificate_file/);
  });

  it('an unreadable SP certificate', async () => {
    expectConfigProblem(
      await loadError(saml2Instance(saml2Config({ encryption: { sp_certificate_file: 'missing-sp.crt.pem' } }))),
      'instances.s.saml2.encryption.sp_certificate_file',
      /^missing-sp\.crt\.pem: file not found \(relative to the configuration directory \/.+\)$/,
    );
  });

  it('an SP "certificate" that is a private key, or has an EC key', async () => {
    expectConfigProblem(
      await loadError(saml2Instance(saml2Config({ encryption: { sp_certificate_file: sp.keyFile } }))),
      'instances.s.saml2.encryption.sp_certificate_file',
      /is not a PEM X\.509 certificate/,
    );
    expectConfigProblem(
      await loadError(saml2Instance(saml2Config({ encryption: { sp_certificate_file: ecSigner.certFile } }))),
      'instances.s.saml2.encryption.sp_certificate_file',
      /needs an RSA certificate/,
    );
  });

  it('an encryption block that encrypts nothing', async () => {
    expectConfigProblem(
      await loadError(saml2Instance(saml2Config({ encryption: { sp_certificate_file: sp.certFile, encrypt_assertion: false } }))),
      'instances.s.saml2.encryption',
      /encrypts nothing/,
    );
  });
});
