/**
 * SAML2 output for service providers, over HTTP: samlp:Response (signed assertion, signed
 * Response, both, encrypted assertion), base64 or XML, InResponseTo from an ID or from the SP's
 * AuthnRequest, attributes with name formats, friendly names and xsi:type, NameIDs from an
 * attribute or pairwise, SessionNotOnOrAfter, and the signature and encryption algorithms.
 * openssl makes every key; xmlsec1 verifies every signature and decrypts every EncryptedData;
 * xmllint validates every document against the OASIS SAML schemas. Then the refusals: bad
 * requests with status and code, bad configurations at load with key path and reason.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { EC_P256_KEY, pemPair, removeOpensslWorkDir, tempPath, type PemPair } from '../../support/openssl';
import { fileIdentityStore, saml2Instance, testPasswordHash, usernameTo, type Json } from '../../support/realm-fixtures';
import { realmLoading } from '../../support/realm-loading';
import { decryptWithOaep256, schemaCheck, xmlsecDecrypt, xmlsecVerify } from '../../support/saml-output-checks';
import {
  ATTRNAME_BASIC,
  ATTRNAME_UNSPECIFIED,
  ATTRNAME_URI,
  DS,
  MAIL_OID,
  MD,
  NAMEID_EMAIL,
  NAMEID_PERSISTENT,
  POST_BINDING,
  SAML,
  SAMLP,
  XENC,
  XSI,
} from '../../support/saml-names';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';
import { issuedToken } from '../../support/translate-results';
import { all, childNames, one, parseXml, serialize } from '../../support/xml-dom';

const ISSUER = 'https://idp.test';
const SP = 'https://sp.test';
const ACS = 'https://sp.test/saml/acs';
const GIVEN_NAME_OID = 'urn:oid:2.5.4.42';

/** An unsigned AuthnRequest from the SP, as its HTTP-POST binding carries it (base64). */
function authnRequest(id: string, extra: { acs?: string; nameIdFormat?: string } = {}): string {
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}"` +
    ` AssertionConsumerServiceURL="${extra.acs ?? ACS}" ProtocolBinding="${POST_BINDING}">` +
    `<saml:Issuer>${SP}</saml:Issuer>` +
    (extra.nameIdFormat ? `<samlp:NameIDPolicy Format="${extra.nameIdFormat}" AllowCreate="true"/>` : '') +
    `</samlp:AuthnRequest>`;
  return Buffer.from(xml, 'utf8').toString('base64');
}

/** SP metadata that requests attributes with its own name formats and friendly names. */
function spMetadata(): string {
  return (
    `<md:EntityDescriptor xmlns:md="${MD}" entityID="${SP}">` +
    `<md:SPSSODescriptor protocolSupportEnumeration="${SAMLP}">` +
    `<md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>` +
    `<md:AssertionConsumerService Binding="${POST_BINDING}" Location="${ACS}" index="0" isDefault="true"/>` +
    `<md:AttributeConsumingService index="0"><md:ServiceName xml:lang="en">SP</md:ServiceName>` +
    `<md:RequestedAttribute Name="${GIVEN_NAME_OID}" NameFormat="${ATTRNAME_URI}" FriendlyName="givenName" isRequired="true"/>` +
    `<md:RequestedAttribute Name="department" NameFormat="${ATTRNAME_UNSPECIFIED}" FriendlyName="Department"/>` +
    `</md:AttributeConsumingService></md:SPSSODescriptor></md:EntityDescriptor>`
  );
}

let passwordHash: string;
let rsaSigner: PemPair;
let ecSigner: PemPair;
let sp: PemPair;
let spMetadataFile: string;

beforeAll(async () => {
  passwordHash = await testPasswordHash();
  rsaSigner = pemPair('/CN=STS SAML signer');
  ecSigner = pemPair('/CN=STS EC signer', EC_P256_KEY);
  sp = pemPair('/CN=SP encryption');
  spMetadataFile = tempPath('.sp-metadata.xml');
  writeFileSync(spMetadataFile, spMetadata());
});
afterAll(() => removeOpensslWorkDir());

function realm(instances: Json, extraKeys: Json[] = []): Json {
  return {
    realm: '/',
    identity_store: fileIdentityStore(passwordHash, {
      alice: { mail: 'alice@example.com', cn: 'Alice', groups: ['staff', 'admins'], age: 42, admin: true, department: 'R&D <lab>' },
      bob: { cn: 'Bob' },
    }),
    keys: [
      { kid: 'rsa-saml', use: 'sig', private_key_file: rsaSigner.keyFile, certificate_file: rsaSigner.certFile },
      { kid: 'ec-saml', use: 'sig', private_key_file: ecSigner.keyFile, certificate_file: ecSigner.certFile },
      { kid: 'pairwise', use: 'enc', generate: { type: 'oct', size: 256 } },
      ...extraKeys,
    ],
    instances,
  };
}

function saml2Config(extra: Json = {}): Json {
  return { issuer: ISSUER, sp_entity_id: SP, sp_acs_url: ACS, signing_key: 'rsa-saml', ...extra };
}

const ATTRIBUTES = [
  { name: MAIL_OID, source: 'mail', friendly_name: 'mail' },
  { name: 'groups', source: 'groups' },
  { name: 'age', source: 'age' },
  { name: 'admin', source: 'admin' },
  { name: 'Department Name', source: 'department', name_format: 'unspecified', value_type: 'string' },
];

describe('SAML2 output over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      root: realm({
        response: saml2Instance(
          saml2Config({
            token_form: 'response',
            sign_response: true,
            name_id_format: NAMEID_EMAIL,
            name_id: { attribute: 'mail', name_qualifier: ISSUER, sp_name_qualifier: SP },
            session_lifetime_seconds: 28_800,
            attributes: ATTRIBUTES,
            attribute_map: { email: 'mail', [`${MAIL_OID}.0`]: 'cn' },
          }),
          { persist_issued_tokens: true },
        ),
        'response-only-signed': saml2Instance(saml2Config({ token_form: 'response', encoding: 'base64', sign_assertion: false, sign_response: true }), { persist_issued_tokens: true }),
        'ec-sha512': saml2Instance(saml2Config({ token_form: 'response', sign_response: true, signing_key: 'ec-saml', signature_algorithm: 'ecdsa-sha512', digest_algorithm: 'sha512' })),
        'rsa-sha512': saml2Instance(saml2Config({ signature_algorithm: 'rsa-sha512' })),
        'encrypted-oaep': saml2Instance(
          saml2Config({ token_form: 'response', sign_response: true, encryption: { sp_certificate_file: sp.certFile, data_algorithm: 'aes128-gcm', key_transport: 'rsa-oaep' } }),
          { persist_issued_tokens: true },
        ),
        'encrypted-cbc': saml2Instance(saml2Config({ token_form: 'response', encryption: { sp_certificate_file: sp.certFile, data_algorithm: 'aes256-cbc' } })),
        'pairwise-a': saml2Instance(saml2Config({ name_id: { pairwise_key: 'pairwise', sp_name_qualifier: SP } })),
        'pairwise-b': saml2Instance(saml2Config({ sp_entity_id: 'https://other-sp.test', name_id: { pairwise_key: 'pairwise' } })),
        'from-metadata': saml2Instance({
          issuer: ISSUER,
          sp_metadata: { file: spMetadataFile },
          signing_key: 'rsa-saml',
          token_form: 'response',
          name_id: { attribute: 'mail' },
          attributes: [{ name: GIVEN_NAME_OID, source: 'cn' }, { name: 'department', source: 'department' }],
        }),
        'typed-integer': saml2Instance(saml2Config({ attributes: [{ name: 'employeeNumber', source: 'mail', value_type: 'integer' }] })),
        plain: saml2Instance(saml2Config({ name_id_format: NAMEID_EMAIL })),
      }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const translate = (instance: string, output: Json = {}, username = 'alice'): Promise<TestResponse> =>
    server.post(`/rest-sts/${instance}?_action=translate`, usernameTo('SAML2', output, username));

  const issue = async (instance: string, output: Json = {}, username = 'alice'): Promise<string> => issuedToken(await translate(instance, output, username));

  const valid = (xml: string) => expect(schemaCheck(xml)).toEqual([0, expect.stringContaining('validates')]);
  const verifies = (xml: string, certFile: string, signed: 'Assertion' | 'Response') => expect(xmlsecVerify(xml, certFile, signed)).toEqual([0, expect.stringContaining('OK')]);

  it('a Response with both signatures, the NameID from mail, typed and formatted attributes, SessionNotOnOrAfter', async () => {
    const xml = await issue('response');
    const response = parseXml(xml).documentElement!;
    expect([response.namespaceURI, response.localName]).toEqual([SAMLP, 'Response']);
    expect(childNames(response)).toEqual(['Issuer', 'Signature', 'Status', 'Assertion']);
    expect(response.getAttribute('Destination')).toBe(ACS);
    expect(one(response, SAMLP, 'StatusCode').getAttribute('Value')).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
    valid(xml);
    verifies(xml, rsaSigner.certFile, 'Response');
    verifies(xml, rsaSigner.certFile, 'Assertion');
    expect(xmlsecVerify(xml.replace('>alice@example.com</saml:NameID>', '>bob@example.com</saml:NameID>'), rsaSigner.certFile, 'Response')[0]).not.toBe(0);

    const nameId = one(response, SAML, 'NameID');
    expect([nameId.textContent, nameId.getAttribute('Format'), nameId.getAttribute('NameQualifier'), nameId.getAttribute('SPNameQualifier')]).toEqual([
      'alice@example.com', NAMEID_EMAIL, ISSUER, SP,
    ]);
    const authn = one(response, SAML, 'AuthnStatement');
    expect(Date.parse(authn.getAttribute('SessionNotOnOrAfter')!) - Date.parse(authn.getAttribute('AuthnInstant')!)).toBe(28_800_000);

    const attributes = all(response, SAML, 'Attribute').map((attribute) => ({
      name: attribute.getAttribute('Name'),
      format: attribute.getAttribute('NameFormat'),
      friendly: attribute.getAttribute('FriendlyName') || undefined,
      values: all(attribute, SAML, 'AttributeValue').map((value) => [value.textContent, value.getAttributeNS(XSI, 'type')]),
    }));
    expect(attributes).toEqual([
      { name: MAIL_OID, format: ATTRNAME_URI, friendly: 'mail', values: [['alice@example.com', 'xs:string']] },
      { name: 'groups', format: ATTRNAME_BASIC, friendly: undefined, values: [['staff', 'xs:string'], ['admins', 'xs:string']] },
      { name: 'age', format: ATTRNAME_BASIC, friendly: undefined, values: [['42', 'xs:integer']] },
      { name: 'admin', format: ATTRNAME_BASIC, friendly: undefined, values: [['true', 'xs:boolean']] },
      { name: 'Department Name', format: ATTRNAME_UNSPECIFIED, friendly: undefined, values: [['R&D <lab>', 'xs:string']] },
      { name: 'email', format: ATTRNAME_BASIC, friendly: undefined, values: [['alice@example.com', 'xs:string']] },
      // A URI-named attribute_map entry gets the uri NameFormat too.
      { name: `${MAIL_OID}.0`, format: ATTRNAME_URI, friendly: undefined, values: [['Alice', 'xs:string']] },
    ]);
  });

  it('sign_response alone, base64 (what the HTTP-POST binding carries): only the Response is signed', async () => {
    const token = await issue('response-only-signed');
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const xml = Buffer.from(token, 'base64').toString('utf8');
    expect(all(parseXml(xml), DS, 'Signature')).toHaveLength(1);
    expect(childNames(parseXml(xml).documentElement!)).toEqual(['Issuer', 'Signature', 'Status', 'Assertion']);
    valid(xml);
    verifies(xml, rsaSigner.certFile, 'Response');
    // The request can ask for XML instead.
    const raw = await issue('response-only-signed', { encoding: 'xml' });
    expect(raw.startsWith('<samlp:Response')).toBe(true);
  });

  it('validate and cancel read the persisted Response, as XML or base64, and an encrypted one', async () => {
    for (const [instance, output] of [['response', {}], ['response-only-signed', {}], ['encrypted-oaep', {}], ['response', { encoding: 'base64' }]] as const) {
      const token = await issue(instance, output);
      const validate = () => server.post(`/rest-sts/${instance}?_action=validate`, { validated_token_state: { token_type: 'SAML2', saml2_token: token } });
      expect({ instance, body: (await validate()).body }).toEqual({ instance, body: { token_valid: true, principal: 'alice' } });
      expect((await server.post(`/rest-sts/${instance}?_action=cancel`, { cancelled_token_state: { token_type: 'SAML2', saml2_token: token } })).status).toBe(200);
      expect((await validate()).body).toEqual({ token_valid: false });
    }
  });

  it('ecdsa-sha512 with a SHA-512 digest on both signatures; rsa-sha512 on an assertion', async () => {
    const xml = await issue('ec-sha512');
    for (const method of all(parseXml(xml), DS, 'SignatureMethod')) expect(method.getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512');
    for (const digest of all(parseXml(xml), DS, 'DigestMethod')) expect(digest.getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmlenc#sha512');
    valid(xml);
    verifies(xml, ecSigner.certFile, 'Response');
    verifies(xml, ecSigner.certFile, 'Assertion');

    const assertion = await issue('rsa-sha512');
    expect(one(parseXml(assertion), DS, 'SignatureMethod').getAttribute('Algorithm')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha512');
    valid(assertion);
    verifies(assertion, rsaSigner.certFile, 'Assertion');
  });

  it('an encrypted assertion in a signed Response: AES-128-GCM with xmlenc11 RSA-OAEP (SHA-256, MGF1-SHA-256)', async () => {
    const xml = await issue('encrypted-oaep');
    expect(childNames(parseXml(xml).documentElement!)).toEqual(['Issuer', 'Signature', 'Status', 'EncryptedAssertion']);
    expect(xml).not.toContain('alice');
    verifies(xml, rsaSigner.certFile, 'Response');
    const data = one(parseXml(xml), XENC, 'EncryptedData');
    expect(data.getElementsByTagNameNS(XENC, 'EncryptionMethod')[0].getAttribute('Algorithm')).toBe('http://www.w3.org/2009/xmlenc11#aes128-gcm');
    expect(one(data, XENC, 'EncryptedKey').getElementsByTagNameNS(XENC, 'EncryptionMethod')[0].getAttribute('Algorithm')).toBe('http://www.w3.org/2009/xmlenc11#rsa-oaep');
    const plain = decryptWithOaep256(xml, sp.keyFile);
    expect(one(parseXml(plain), SAML, 'NameID').textContent).toBe('alice');
    verifies(plain, rsaSigner.certFile, 'Assertion');
    valid(serialize(one(parseXml(plain), SAML, 'Assertion')));
  });

  it('an encrypted assertion with AES-256-CBC and rsa-oaep-mgf1p, which xmlsec1 decrypts', async () => {
    const xml = await issue('encrypted-cbc');
    valid(xml);
    expect(one(parseXml(xml), XENC, 'EncryptedData').getElementsByTagNameNS(XENC, 'EncryptionMethod')[0].getAttribute('Algorithm')).toBe(
      'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
    );
    const plain = xmlsecDecrypt(xml, sp.keyFile);
    verifies(plain, rsaSigner.certFile, 'Assertion');
    valid(serialize(one(parseXml(plain), SAML, 'Assertion')));
  });

  it('pairwise persistent NameIDs: stable for one SP, different for another and for another user', async () => {
    const nameIdOf = async (instance: string, username = 'alice') => one(parseXml(await issue(instance, {}, username)), SAML, 'NameID');
    const a = await nameIdOf('pairwise-a');
    expect([a.getAttribute('Format'), a.getAttribute('SPNameQualifier')]).toEqual([NAMEID_PERSISTENT, SP]);
    expect(a.textContent).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await nameIdOf('pairwise-a')).textContent).toBe(a.textContent);
    expect((await nameIdOf('pairwise-b')).textContent).not.toBe(a.textContent);
    expect((await nameIdOf('pairwise-a', 'bob')).textContent).not.toBe(a.textContent);
  });

  it('SP-initiated: in_response_to on the Response and the bearer confirmation', async () => {
    const xml = await issue('response', { in_response_to: '_request-42' });
    expect(parseXml(xml).documentElement!.getAttribute('InResponseTo')).toBe('_request-42');
    expect(one(parseXml(xml), SAML, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe('_request-42');
    valid(xml);
    const bare = await issue('plain', { in_response_to: 'id-1' });
    expect(one(parseXml(bare), SAML, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe('id-1');
  });

  it('SP-initiated: the AuthnRequest itself gives InResponseTo, Destination and Recipient; in_response_to may repeat its ID', async () => {
    const xml = await issue('response', { authn_request: authnRequest('_authn-1') });
    const response = parseXml(xml).documentElement!;
    expect([response.getAttribute('InResponseTo'), response.getAttribute('Destination')]).toEqual(['_authn-1', ACS]);
    const data = one(response, SAML, 'SubjectConfirmationData');
    expect([data.getAttribute('InResponseTo'), data.getAttribute('Recipient')]).toEqual(['_authn-1', ACS]);
    valid(xml);
    await issue('response', { authn_request: authnRequest('_authn-2'), in_response_to: '_authn-2' });
  });

  it('names the format and friendly names the SP metadata asks for when the configuration leaves them open', async () => {
    const xml = await issue('from-metadata');
    expect(one(parseXml(xml), SAML, 'NameID').getAttribute('Format')).toBe(NAMEID_EMAIL);
    const byName = Object.fromEntries(all(parseXml(xml), SAML, 'Attribute').map((a) => [a.getAttribute('Name'), [a.getAttribute('NameFormat'), a.getAttribute('FriendlyName')]]));
    expect(byName).toEqual({
      [GIVEN_NAME_OID]: [ATTRNAME_URI, 'givenName'],
      department: [ATTRNAME_UNSPECIFIED, 'Department'],
    });
    valid(xml);
  });

  describe('refusals', () => {
    it.each([
      [{ token_form: 'envelope' }, 400, 'invalid_request'],
      [{ token_form: 1 }, 400, 'invalid_request'],
      [{ encoding: 'hex' }, 400, 'invalid_request'],
      [{ encoding: 'BASE64' }, 400, 'invalid_request'],
      [{ in_response_to: '1-starts-with-a-digit' }, 400, 'invalid_in_response_to'],
      [{ in_response_to: 'has:colon' }, 400, 'invalid_in_response_to'],
      [{ in_response_to: '"><saml:Assertion' }, 400, 'invalid_in_response_to'],
      [{ in_response_to: `_${'x'.repeat(300)}` }, 400, 'invalid_in_response_to'],
      [{ authn_request: 42 }, 400, 'invalid_request'],
      [{ authn_request: 'x', authn_request_query: 'SAMLRequest=x' }, 400, 'invalid_request'],
    ])('output_token_state %j -> %i %s', async (output, status, code) => {
      expectErrorBody(await translate('response', output), status, code);
    });

    it('in_response_to that is not the AuthnRequest ID -> 400 in_response_to_mismatch', async () => {
      expectErrorBody(await translate('response', { authn_request: authnRequest('_authn-3'), in_response_to: '_authn-4' }), 400, 'in_response_to_mismatch');
    });

    it('an AuthnRequest asking for a NameID format the instance does not issue -> 400 invalid_name_id_policy', async () => {
      expectErrorBody(await translate('response', { authn_request: authnRequest('_authn-5', { nameIdFormat: NAMEID_PERSISTENT }) }), 400, 'invalid_name_id_policy');
    });

    it('a NameID attribute the user lacks -> 400 name_id_attribute_missing', async () => {
      expectErrorBody(await translate('response', {}, 'bob'), 400, 'name_id_attribute_missing');
    });

    it('an identity value that does not fit the attribute value_type -> 400 unrepresentable_attribute', async () => {
      expectErrorBody(await translate('typed-integer'), 400, 'unrepresentable_attribute');
    });
  });
});

describe('SAML2 output configuration refusals at load', () => {
  const realms = realmLoading({ sharedDataDir: true });

  const loadError = (saml2: Json) =>
    realms.loadError({ root: realm({ s: saml2Instance(saml2) }, [{ kid: 'short', use: 'sig', generate: { type: 'oct', size: 128 } }]) });

  it('loads every new key at once (so each refusal below is about its one change)', async () => {
    const set = await realms.load({
      root: realm({
        s: saml2Instance(
          saml2Config({
            token_form: 'response', encoding: 'base64', sign_response: true, signature_algorithm: 'rsa-sha512', digest_algorithm: 'sha512',
            name_id: { pairwise_key: 'pairwise', name_qualifier: ISSUER, sp_name_qualifier: SP }, session_lifetime_seconds: 3600, attributes: ATTRIBUTES,
            encryption: { sp_certificate_file: sp.certFile, data_algorithm: 'aes128-cbc', key_transport: 'rsa-oaep' },
          }),
        ),
      }),
    });
    expect(set.instance('/s')?.instance.settings.saml2).toMatchObject({ token_form: 'response', signature_algorithm: 'rsa-sha512' });
  });

  it.each([
    [{ signature_algorithm: 'ecdsa-sha256' }, 'instances.s.saml2.signature_algorithm', /ecdsa-sha256 signs with an EC key, and key "rsa-saml" is RSA/],
    [{ signing_key: 'ec-saml', signature_algorithm: 'rsa-sha256' }, 'instances.s.saml2.signature_algorithm', /rsa-sha256 signs with an RSA key, and key "ec-saml" is EC/],
    [{ signature_algorithm: 'rsa-pss-sha256' }, 'instances.s.saml2.signature_algorithm', /signature_algorithm must be one of: rsa-sha256, rsa-sha512, ecdsa-sha256, ecdsa-sha384, ecdsa-sha512/],
    [{ digest_algorithm: 'sha1' }, 'instances.s.saml2.digest_algorithm', /digest_algorithm must be one of: sha256, sha512/],
    [{ token_form: 'envelope' }, 'instances.s.saml2.token_form', /token_form must be one of: assertion, response/],
    [{ encoding: 'hex' }, 'instances.s.saml2.encoding', /encoding must be one of: xml, base64/],
    [{ sign_assertion: false, sign_response: true, signing_key: undefined }, 'instances.s.saml2.signing_key', /required when sign_response is true/],
    [{ session_lifetime_seconds: 10 }, 'instances.s.saml2.session_lifetime_seconds', /session_lifetime_seconds must not be less than 60/],
    [{ name_id: { pairwise_key: 'nope' } }, 'instances.s.saml2.name_id.pairwise_key', /no key "nope" in realm \//],
    [{ name_id: { pairwise_key: 'rsa-saml' } }, 'instances.s.saml2.name_id.pairwise_key', /RSA key; a pairwise NameID is keyed by a secret/],
    [{ name_id: { pairwise_key: 'short' } }, 'instances.s.saml2.name_id.pairwise_key', /16 bytes; .*at least 32 bytes/],
    [{ name_id: { pairwise_key: 'pairwise' }, name_id_format: NAMEID_EMAIL }, 'instances.s.saml2.name_id_format', /persistent format/],
    [{ name_id: { pairwise_key: 'pairwise', attribute: 'mail' } }, 'instances.s.saml2.name_id.attribute', /not both/],
    [{ name_id: { attribute: 'mail', extra: 1 } }, 'instances.s.saml2.name_id.extra', /unknown key/],
    [{ attributes: [{ name: 'email', source: 'mail' }, { name: 'email', source: 'cn' }] }, 'instances.s.saml2.attributes[1].name', /"email" is already sent by saml2\.attributes\[0\]/],
    [{ attributes: [{ name: 'email', source: 'mail' }], attribute_map: { email: 'cn' } }, 'instances.s.saml2.attribute_map.email', /already sent/],
    [{ attributes: [{ name: 'first name', source: 'cn' }] }, 'instances.s.saml2.attributes[0].name', /basic name format requires/],
    [{ attributes: [{ name: 'email', source: 'mail', name_format: 'uri' }] }, 'instances.s.saml2.attributes[0].name', /absolute URI/],
    [{ attributes: [{ name: 'email', source: 'mail', name_format: 'URI' }] }, 'instances.s.saml2.attributes[0].name_format', /name_format must be one of: basic, uri, unspecified/],
    [{ attributes: [{ name: 'email', source: 'mail', value_type: 'int' }] }, 'instances.s.saml2.attributes[0].value_type', /value_type must be one of: auto, string/],
    [{ attributes: [{ name: 'email' }] }, 'instances.s.saml2.attributes[0].source', /source must be a string/],
    [{ encryption: { sp_certificate_file: 'x', data_algorithm: 'aes192-gcm' } }, 'instances.s.saml2.encryption.data_algorithm', /data_algorithm must be one of: aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm/],
    [{ encryption: { sp_certificate_file: 'x', key_transport: 'rsa-1_5' } }, 'instances.s.saml2.encryption.key_transport', /key_transport must be one of: rsa-oaep-mgf1p, rsa-oaep/],
  ])('%j -> %s', async (change, path, message) => {
    expectConfigProblem(await loadError(saml2Config(change)), path, message);
  });
});
