import 'reflect-metadata';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import type { JsonObject } from '../../plugin-api/json';
import type { StsInstanceContext, StsRealmContext } from '../../plugin-api/token-contract';
import { Saml2AttributeConfig, Saml2Config, Saml2EncryptionConfig, Saml2NameIdConfig } from '../../realms/schema/saml2-config';
import { Saml2IdpMetadataConfig } from '../../realms/schema/saml2-idp-metadata-config';
import {
  certifiedTestKey,
  flipCharacter,
  instanceWith,
  itAnswersFalseForGarbage,
  loadTestKey,
  makeKeyDir,
  providerHarness,
  providerParams,
  realmWith,
} from '../../../test/support/token-provider-fixtures';
import { removeOpensslWorkDir } from '../../../test/support/openssl';
import { schemaCheck, xmlsecDecrypt, xmlsecVerify } from '../../../test/support/saml-output-checks';
import { childNames, parseXml } from '../../../test/support/xml-dom';
import { CLOCK_SKEW_MS } from './assertion-builder';
import { DS_NS, SAML_NS, SAMLP_NS, XSI_NS } from './assertion-namespaces';
import { readAuthnRequest } from './authn-request';
import { Saml2TokenProvider } from './saml2.provider';

// The AuthnRequest reader has its own tests; here it answers what each test sets.
jest.mock('./authn-request', () => ({ ...jest.requireActual('./authn-request'), readAuthnRequest: jest.fn() }));
const readAuthnRequestMock = readAuthnRequest as jest.MockedFunction<typeof readAuthnRequest>;

const provider = new Saml2TokenProvider();
let keyDir: ReturnType<typeof makeKeyDir>;
let realm: StsRealmContext;

const samlInstance = (overrides: Partial<Saml2Config> = {}): StsInstanceContext =>
  instanceWith({
    saml2: Object.assign(new Saml2Config(), {
      issuer: 'https://sts.test/saml',
      sp_entity_id: 'https://sp.test',
      sp_acs_url: 'https://sp.test/acs',
      token_lifetime_seconds: 900,
      signing_key: 'saml-1',
      ...overrides,
    }),
  });

const { issue, verify } = providerHarness(provider, { tokenType: 'SAML2', instance: samlInstance, realm: () => realm });

function attributeOf(xml: string, localName: string, attribute: string): string {
  const element = new DOMParser().parseFromString(xml, 'text/xml').getElementsByTagNameNS(SAML_NS, localName)[0];
  return element!.getAttribute(attribute)!;
}

beforeAll(async () => {
  keyDir = makeKeyDir();
  // The SP's certificate (RSA, for XML key transport) only goes into encryption.sp_certificate_file.
  await certifiedTestKey(keyDir.dir, { name: 'sp', newkey: ['-newkey', 'rsa:2048'] });
  realm = realmWith([await certifiedTestKey(keyDir.dir, { name: 'sts', kid: 'saml-1' })], keyDir.dir);
});
afterAll(() => {
  keyDir.remove();
  removeOpensslWorkDir();
});

describe('Saml2TokenProvider, contract 1.1', () => {
  it('carries its tokens in validated_token_state.saml2_token, as PingAM does', () => {
    expect(provider.issuedTokenField).toBe('saml2_token');
  });

  it('returns the assertion with its Conditions NotOnOrAfter as expiresAt, and issuer, SP and ID for introspection', async () => {
    const issued = await issue();
    const notOnOrAfter = attributeOf(issued.token, 'Conditions', 'NotOnOrAfter');
    expect(issued.expiresAt).toEqual(new Date(notOnOrAfter));
    // 900 s from issuance; NotBefore is backdated by the clock skew allowance.
    const notBefore = Date.parse(attributeOf(issued.token, 'Conditions', 'NotBefore'));
    expect(issued.expiresAt!.getTime() - notBefore).toBe(900_000 + CLOCK_SKEW_MS);
    // The bearer confirmation ends at the same instant.
    expect(attributeOf(issued.token, 'SubjectConfirmationData', 'NotOnOrAfter')).toBe(notOnOrAfter);
    expect(issued.introspectionClaims).toEqual({
      iss: 'https://sts.test/saml',
      aud: 'https://sp.test',
      jti: attributeOf(issued.token, 'Assertion', 'ID'),
    });
  });

  it('verifies a signed assertion it has just issued', async () => {
    expect(await verify((await issue()).token)).toBe(true);
  });

  it('refuses a signed assertion whose content or signature value was changed', async () => {
    const { token } = await issue();
    expect(token).toContain('>alice</saml:NameID>');
    expect(await verify(token.replace('>alice</saml:NameID>', '>mallory</saml:NameID>'))).toBe(false);
    const signatureValue = /<ds:SignatureValue>([^<]+)</.exec(token)!;
    const changed = token.replace(signatureValue[1], flipCharacter(signatureValue[1], 10));
    expect(await verify(changed)).toBe(false);
  });

  it('refuses an assertion signed by another key under the same kid', async () => {
    const impostor = await certifiedTestKey(keyDir.dir, { name: 'impostor', kid: 'saml-1' });
    const { token } = await issue({ realm: realmWith([impostor], keyDir.dir) });
    expect(await verify(token)).toBe(false);
  });

  it('refuses a signed assertion once the signing key has left the realm, or the instance issues under another name', async () => {
    const { token } = await issue();
    expect(await verify(token, { realm: realmWith([], keyDir.dir) })).toBe(false);
    expect(await verify(token, { instance: samlInstance({ issuer: 'https://new.sts.test/saml' }) })).toBe(false);
  });

  it('accepts an unsigned or encrypted assertion as it is: the store’s hash match vouches for it', async () => {
    const unsigned = samlInstance({ sign_assertion: false, signing_key: undefined });
    const plain = await issue({ instance: unsigned });
    expect(plain.token).not.toContain('Signature');
    expect(await verify(plain.token, { instance: unsigned })).toBe(true);

    const encryption = Object.assign(new Saml2EncryptionConfig(), { sp_certificate_file: 'sp.crt.pem' });
    const encrypted = samlInstance({ encryption });
    const before = Math.floor(Date.now() / 1000) * 1000;
    const sealed = await issue({ instance: encrypted });
    const after = Date.now();
    expect(sealed.token).toContain('saml:EncryptedAssertion');
    // Read from the assertion before encryption hid it: 900 s after issuance (whole seconds).
    expect(sealed.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 900_000);
    expect(sealed.expiresAt!.getTime()).toBeLessThanOrEqual(after + 900_000);
    expect(await verify(sealed.token, { instance: encrypted })).toBe(true);
  });

  itAnswersFalseForGarbage((token) => verify(token));
});

function first(xml: string, ns: string, name: string): Element {
  return parseXml(xml).getElementsByTagNameNS(ns, name)[0];
}

describe('Saml2TokenProvider, samlp:Response', () => {
  const stsCert = () => join(keyDir.dir, 'sts.crt.pem');
  const state = (extra: JsonObject = {}): JsonObject => ({ token_type: 'SAML2', ...extra });

  it('token_form response: ID, Version, IssueInstant, Destination (the ACS URL), Issuer, Status Success, the signed assertion; schema-valid', async () => {
    const instance = samlInstance({ token_form: 'response' });
    const before = Math.floor(Date.now() / 1000) * 1000;
    const issued = await issue({ instance });
    const response = parseXml(issued.token).documentElement!;
    expect([response.namespaceURI, response.localName]).toEqual([SAMLP_NS, 'Response']);
    expect(response.getAttribute('ID')).toMatch(/^_[0-9a-f]{32}$/);
    expect(response.getAttribute('Version')).toBe('2.0');
    expect(Date.parse(response.getAttribute('IssueInstant')!)).toBeGreaterThanOrEqual(before);
    expect(response.getAttribute('Destination')).toBe('https://sp.test/acs');
    expect(response.hasAttribute('InResponseTo')).toBe(false);
    expect(childNames(response)).toEqual(['Issuer', 'Status', 'Assertion']);
    expect(first(issued.token, SAML_NS, 'Issuer').textContent).toBe('https://sts.test/saml');
    expect(first(issued.token, SAMLP_NS, 'StatusCode').getAttribute('Value')).toBe('urn:oasis:names:tc:SAML:2.0:status:Success');
    // Introspection and expiry are the assertion's, as for a bare assertion.
    expect(issued.introspectionClaims).toEqual({ iss: 'https://sts.test/saml', aud: 'https://sp.test', jti: first(issued.token, SAML_NS, 'Assertion').getAttribute('ID') });
    expect(issued.expiresAt).toEqual(new Date(first(issued.token, SAML_NS, 'Conditions').getAttribute('NotOnOrAfter')!));
    expect(xmlsecVerify(issued.token, stsCert(), 'Assertion')).toEqual([0, expect.stringContaining('OK')]);
    expect(schemaCheck(issued.token)).toEqual([0, expect.stringContaining('validates')]);
    expect(await verify(issued.token, { instance })).toBe(true);
    expect(await verify(issued.token.replace('>alice</saml:NameID>', '>mallory</saml:NameID>'), { instance })).toBe(false);
  });

  it('sign_response alone: the Response signed after its Issuer, the assertion not; verified by xmlsec1 and by verifyIssuedToken', async () => {
    const instance = samlInstance({ token_form: 'response', sign_assertion: false, sign_response: true });
    const { token } = await issue({ instance });
    const response = parseXml(token).documentElement!;
    expect(childNames(response)).toEqual(['Issuer', 'Signature', 'Status', 'Assertion']);
    expect(first(token, DS_NS, 'Reference').getAttribute('URI')).toBe(`#${response.getAttribute('ID')}`);
    expect(parseXml(token).getElementsByTagNameNS(DS_NS, 'Signature')).toHaveLength(1);
    expect(xmlsecVerify(token, stsCert(), 'Response')).toEqual([0, expect.stringContaining('OK')]);
    expect(schemaCheck(token)).toEqual([0, expect.stringContaining('validates')]);
    expect(await verify(token, { instance })).toBe(true);
    const tampered = token.replace('>alice</saml:NameID>', '>mallory</saml:NameID>');
    expect(xmlsecVerify(tampered, stsCert(), 'Response')[0]).not.toBe(0);
    expect(await verify(tampered, { instance })).toBe(false);
    expect(await verify(token, { instance, realm: realmWith([], keyDir.dir) })).toBe(false);
  });

  it('both signed: the assertion first, then the Response over it; xmlsec1 verifies each', async () => {
    const instance = samlInstance({ token_form: 'response', sign_response: true });
    const { token } = await issue({ instance });
    expect(parseXml(token).getElementsByTagNameNS(DS_NS, 'Signature')).toHaveLength(2);
    expect(xmlsecVerify(token, stsCert(), 'Response')).toEqual([0, expect.stringContaining('OK')]);
    expect(xmlsecVerify(token, stsCert(), 'Assertion')).toEqual([0, expect.stringContaining('OK')]);
    expect(schemaCheck(token)).toEqual([0, expect.stringContaining('validates')]);
    expect(await verify(token, { instance })).toBe(true);
    expect(await verify(token, { instance: samlInstance({ token_form: 'response', sign_response: true, issuer: 'https://other.test' }) })).toBe(false);
  });

  it('an encrypted assertion in a signed Response: EncryptedAssertion that xmlsec1 decrypts; schema-valid', async () => {
    const encryption = Object.assign(new Saml2EncryptionConfig(), { sp_certificate_file: 'sp.crt.pem' });
    const instance = samlInstance({ token_form: 'response', sign_response: true, encryption });
    const { token } = await issue({ instance });
    expect(childNames(parseXml(token).documentElement!)).toEqual(['Issuer', 'Signature', 'Status', 'EncryptedAssertion']);
    expect(token).not.toContain('alice');
    expect(schemaCheck(token)).toEqual([0, expect.stringContaining('validates')]);
    expect(xmlsecVerify(token, stsCert(), 'Response')).toEqual([0, expect.stringContaining('OK')]);
    expect(await verify(token, { instance })).toBe(true);
    const plain = xmlsecDecrypt(token, join(keyDir.dir, 'sp.key.pem'));
    expect(first(plain, SAML_NS, 'NameID').textContent).toBe('alice');
    expect(xmlsecVerify(plain, stsCert(), 'Assertion')).toEqual([0, expect.stringContaining('OK')]);
  });

  it('encoding base64 (instance or request): base64 of the same XML, which verifyIssuedToken reads too', async () => {
    const instance = samlInstance({ token_form: 'response', encoding: 'base64' });
    const { token } = await issue({ instance });
    expect(token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const xml = Buffer.from(token, 'base64').toString('utf8');
    expect(parseXml(xml).documentElement!.localName).toBe('Response');
    expect(xmlsecVerify(xml, stsCert(), 'Assertion')[0]).toBe(0);
    expect(await verify(token, { instance })).toBe(true);
    expect(await verify(Buffer.from(xml.replace('>alice<', '>bob<<')).toString('base64'), { instance })).toBe(false);

    const bare = await issue({ outputTokenState: state({ encoding: 'base64' }) });
    expect(parseXml(Buffer.from(bare.token, 'base64').toString('utf8')).documentElement!.localName).toBe('Assertion');
    expect(await verify(bare.token)).toBe(true);
  });

  it('output_token_state overrides the instance: token_form and encoding', async () => {
    const instance = samlInstance({ token_form: 'response', encoding: 'base64' });
    const { token } = await issue({ instance, outputTokenState: state({ token_form: 'assertion', encoding: 'xml' }) });
    expect(parseXml(token).documentElement!.localName).toBe('Assertion');
    const response = await issue({ outputTokenState: state({ token_form: 'response' }) });
    expect(parseXml(response.token).documentElement!.localName).toBe('Response');
  });

  it('in_response_to: on the Response and on the bearer SubjectConfirmationData (also of a bare assertion)', async () => {
    const { token } = await issue({ outputTokenState: state({ token_form: 'response', in_response_to: '_sp-request-1' }) });
    expect(parseXml(token).documentElement!.getAttribute('InResponseTo')).toBe('_sp-request-1');
    expect(first(token, SAML_NS, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe('_sp-request-1');
    expect(schemaCheck(token)).toEqual([0, expect.stringContaining('validates')]);
    const bare = await issue({ outputTokenState: state({ in_response_to: 'ONELOGIN_abc' }) });
    expect(first(bare.token, SAML_NS, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe('ONELOGIN_abc');
  });

  describe('an AuthnRequest', () => {
    afterEach(() => readAuthnRequestMock.mockReset());

    it('gives InResponseTo, Destination and Recipient (its ACS URL), read with the SP it is checked against', async () => {
      readAuthnRequestMock.mockReturnValue({ id: '_req-7', assertionConsumerServiceUrl: 'https://sp.test/acs2' });
      const { token } = await issue({ outputTokenState: state({ token_form: 'response', authn_request: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+' }) });
      const response = parseXml(token).documentElement!;
      expect([response.getAttribute('InResponseTo'), response.getAttribute('Destination')]).toEqual(['_req-7', 'https://sp.test/acs2']);
      const data = first(token, SAML_NS, 'SubjectConfirmationData');
      expect([data.getAttribute('InResponseTo'), data.getAttribute('Recipient')]).toEqual(['_req-7', 'https://sp.test/acs2']);
      expect(readAuthnRequestMock).toHaveBeenCalledWith({ binding: 'post', message: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+' }, expect.objectContaining({ entityId: 'https://sp.test' }), expect.anything());
    });

    it('passes the Redirect binding query string as received, and the single sign-on URL its Destination must name', async () => {
      readAuthnRequestMock.mockReturnValue({ id: '_req-8', assertionConsumerServiceUrl: 'https://sp.test/acs' });
      await issue({ outputTokenState: state({ authn_request_query: 'SAMLRequest=abc&SigAlg=x&Signature=y' }) });
      expect(readAuthnRequestMock).toHaveBeenLastCalledWith({ binding: 'redirect', query: 'SAMLRequest=abc&SigAlg=x&Signature=y' }, expect.anything(), {});
      const metadata = Object.assign(new Saml2IdpMetadataConfig(), { single_sign_on_url: 'https://sts.test/sso' });
      await issue({ instance: samlInstance({ metadata }), outputTokenState: state({ authn_request_query: 'SAMLRequest=abc' }) });
      expect(readAuthnRequestMock).toHaveBeenLastCalledWith({ binding: 'redirect', query: 'SAMLRequest=abc' }, expect.anything(), { destination: 'https://sts.test/sso' });
    });

    it('with an in_response_to that is not its ID -> 400 in_response_to_mismatch; the same ID is fine', async () => {
      readAuthnRequestMock.mockReturnValue({ id: '_req-9', assertionConsumerServiceUrl: 'https://sp.test/acs' });
      await expect(issue({ outputTokenState: state({ authn_request: 'x', in_response_to: '_other' }) })).rejects.toMatchObject({ status: 400, code: 'in_response_to_mismatch' });
      const { token } = await issue({ outputTokenState: state({ authn_request: 'x', in_response_to: '_req-9' }) });
      expect(first(token, SAML_NS, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe('_req-9');
    });

    it('asking for a NameID format the instance does not issue -> 400 invalid_name_id_policy', async () => {
      readAuthnRequestMock.mockReturnValue({ id: '_req-10', assertionConsumerServiceUrl: 'https://sp.test/acs', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' });
      await expect(issue({ outputTokenState: state({ authn_request: 'x' }) })).rejects.toMatchObject({ status: 400, code: 'invalid_name_id_policy' });
    });

    it('that the reader refuses: its error, nothing issued', async () => {
      const actual = jest.requireActual<typeof import('./authn-request')>('./authn-request');
      readAuthnRequestMock.mockImplementation(() => {
        throw actual.authnRequestError('authn_request_malformed', 'not an AuthnRequest');
      });
      await expect(issue({ outputTokenState: state({ authn_request: 'x' }) })).rejects.toMatchObject({ status: 400, code: 'authn_request_malformed' });
    });
  });

  it('the token endpoint always gets a bare XML assertion (RFC 8693), whatever the instance issues by default', async () => {
    const instance = samlInstance({ token_form: 'response', encoding: 'base64' });
    expect(await provider.checkConfiguration({ realm, instance })).toEqual([]);
    const issued = await provider.createToken({ ...providerParams(realm, instance, state()), exchange: { clientId: 'c' } });
    expect(typeof issued === 'string' ? issued : issued.token).toMatch(/^<saml:Assertion /);
  });
});

describe('Saml2TokenProvider, attributes, NameID and session', () => {
  it('attributes with name formats, friendly names and xsi:type; the NameID from mail; SessionNotOnOrAfter', async () => {
    const instance = samlInstance({
      name_id_format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      name_id: Object.assign(new Saml2NameIdConfig(), { attribute: 'mail', sp_name_qualifier: 'https://sp.test' }),
      session_lifetime_seconds: 3600,
      attributes: [Object.assign(new Saml2AttributeConfig(), { name: 'urn:oid:0.9.2342.19200300.100.1.3', source: 'mail', friendly_name: 'mail' })],
      attribute_map: { email: 'mail' },
    });
    const { token } = await issue({ instance });
    const nameId = first(token, SAML_NS, 'NameID');
    expect([nameId.textContent, nameId.getAttribute('Format'), nameId.getAttribute('SPNameQualifier')]).toEqual([
      'alice@example.com', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'https://sp.test',
    ]);
    const authn = first(token, SAML_NS, 'AuthnStatement');
    expect(Date.parse(authn.getAttribute('SessionNotOnOrAfter')!) - Date.parse(authn.getAttribute('AuthnInstant')!)).toBe(3_600_000);
    const attributes = Array.from(parseXml(token).getElementsByTagNameNS(SAML_NS, 'Attribute'));
    expect(attributes.map((a) => [a.getAttribute('Name'), a.getAttribute('NameFormat'), a.getAttribute('FriendlyName') || undefined])).toEqual([
      ['urn:oid:0.9.2342.19200300.100.1.3', 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri', 'mail'],
      ['email', 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', undefined],
    ]);
    expect(attributes[0].getElementsByTagNameNS(SAML_NS, 'AttributeValue')[0].getAttributeNS(XSI_NS, 'type')).toBe('xs:string');
    expect(schemaCheck(token)).toEqual([0, expect.stringContaining('validates')]);
  });

  it('a pairwise persistent NameID: stable per SP, different for another SP', async () => {
    const pairwise = await loadTestKey({ kid: 'pairwise', use: 'enc', generate: { type: 'oct', size: 256 } } as never, keyDir.dir);
    const keyed = realmWith([await certifiedTestKey(keyDir.dir, { name: 'sts', kid: 'saml-1' }), pairwise], keyDir.dir);
    const nameIdOf = async (spEntityId: string) => {
      const instance = samlInstance({ sp_entity_id: spEntityId, name_id: Object.assign(new Saml2NameIdConfig(), { pairwise_key: 'pairwise' }) });
      const { token } = await issue({ instance, realm: keyed });
      const nameId = first(token, SAML_NS, 'NameID');
      expect(nameId.getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
      return nameId.textContent;
    };
    const a = await nameIdOf('https://sp-a.test');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await nameIdOf('https://sp-a.test')).toBe(a);
    expect(await nameIdOf('https://sp-b.test')).not.toBe(a);
  });
});

describe('Saml2TokenProvider.checkConfiguration', () => {
  const problems = (overrides: Partial<Saml2Config>) => provider.checkConfiguration({ realm, instance: samlInstance(overrides) });

  it('sign_response without signing_key', async () => {
    expect(await problems({ sign_assertion: false, sign_response: true, signing_key: undefined })).toContainEqual({
      path: 'saml2.signing_key',
      message: 'required when sign_response is true',
    });
    expect(await problems({ sign_assertion: false, sign_response: false, signing_key: undefined })).toEqual([]);
  });

  it('a signature_algorithm of another key family (the test key is EC P-256)', async () => {
    expect(await problems({ signature_algorithm: 'rsa-sha256' })).toContainEqual({ path: 'saml2.signature_algorithm', message: expect.stringMatching(/signs with an RSA key, and key "saml-1" is EC/) });
    expect(await problems({ signature_algorithm: 'ecdsa-sha512', digest_algorithm: 'sha512' })).toEqual([]);
  });

  it('reports attribute and NameID problems with their paths', async () => {
    const found = await problems({
      attributes: [Object.assign(new Saml2AttributeConfig(), { name: 'first name', source: 'cn' })],
      name_id: Object.assign(new Saml2NameIdConfig(), { pairwise_key: 'saml-1' }),
    });
    expect(found.map((p) => p.path)).toEqual(expect.arrayContaining(['saml2.attributes[0].name', 'saml2.name_id.pairwise_key']));
  });
});
