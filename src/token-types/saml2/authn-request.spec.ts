/**
 * AuthnRequests as samlify (an SP library we did not write) makes them, Redirect and POST
 * bindings, unsigned and signed, read against the SP description its own metadata gives; POST
 * requests signed with RSA-PSS by the JDK's XML Signature API; then every way a request is
 * refused, each with its status and code.
 */
import { generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { samlify, samlifyRequestTarget } from '../../../test/support/samlify';
import { opensslOk, pemPair, removeOpensslWorkDir, tempFile, tempPath } from '../../../test/support/openssl';
import { NAMEID_EMAIL, POST_BINDING } from '../../../test/support/saml-names';
import { refusal } from '../../../test/support/sts-refusal';
import { RSA_PSS_SHA256, signWithJdkRsaPss } from '../../../test/interop/jdk/jdk-xmldsig';
import { readAuthnRequest, type AuthnRequestInput, type AuthnRequestOptions } from './authn-request';
import type { ServiceProvider } from './service-provider';
import { readSpMetadata } from './sp-metadata-reader';


const SP_ENTITY = 'https://sp.test/metadata';
const ACS = 'https://sp.test/acs';
const SECOND_ACS = 'https://sp.test/acs2';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';

/** The IdP as samlify needs it to address requests: SSO endpoints for both bindings. */
const identityProvider = (wantSigned: boolean) => samlifyRequestTarget('https://sts.test/idp', wantSigned);

interface Signer {
  readonly key: string;
  readonly cert: string;
}

function rsaSigner(subject: string): Signer {
  const pair = pemPair(subject);
  return { key: pair.keyPem, cert: pair.certPem };
}

function samlifySp(signer?: Signer, extra: Record<string, unknown> = {}) {
  return samlify.ServiceProvider({
    entityID: SP_ENTITY,
    authnRequestsSigned: signer !== undefined,
    ...(signer && { privateKey: signer.key, signingCert: signer.cert }),
    nameIDFormat: [NAMEID_EMAIL],
    assertionConsumerService: [
      { Binding: POST_BINDING, Location: ACS },
      { Binding: POST_BINDING, Location: SECOND_ACS },
    ],
    ...extra,
  });
}

/** Our description of samlify's SP, read from the metadata samlify generates. */
function describe_(sp: ReturnType<typeof samlifySp>): ServiceProvider {
  return readSpMetadata(Buffer.from(sp.getMetadata()), { now: new Date() });
}

/** samlify's redirect URL -> the query string as the SP's browser brings it. */
function queryOf(url: string): string {
  return url.slice(url.indexOf('?') + 1);
}

function expectRefused(request: AuthnRequestInput, sp: ServiceProvider, code: string, message?: RegExp, options?: AuthnRequestOptions): void {
  const refused = refusal(() => readAuthnRequest(request, sp, options));
  expect({ status: refused.status, code: refused.code }).toEqual({ status: 400, code });
  if (message) expect(refused.message).toMatch(message);
}

/** An AuthnRequest written by hand, for the shapes samlify never makes. */
function requestXml(attributes: Record<string, string | undefined> = {}, inner = `<saml:Issuer>${SP_ENTITY}</saml:Issuer>`): string {
  const all: Record<string, string | undefined> = {
    ID: '_hand1',
    Version: '2.0',
    IssueInstant: new Date().toISOString(),
    Destination: 'https://sts.test/sso',
    ...attributes,
  };
  const rendered = Object.entries(all)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${value}"`)
    .join('');
  return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"${rendered}>${inner}</samlp:AuthnRequest>`;
}

function redirectQuery(xml: string, extra = ''): string {
  return `SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'))}${extra}`;
}

/** A Redirect query signed over the exact octets by node:crypto (what samlify cannot do for EC keys). */
function signedQuery(xml: string, sigAlg: string, key: KeyObject, hash: string, relayState?: string, dsaEncoding?: 'der' | 'ieee-p1363'): string {
  const octets = `${redirectQuery(xml)}${relayState === undefined ? '' : `&RelayState=${encodeURIComponent(relayState)}`}&SigAlg=${encodeURIComponent(sigAlg)}`;
  const signature = sign(hash, Buffer.from(octets), dsaEncoding ? { key, dsaEncoding } : key).toString('base64');
  return `${octets}&Signature=${encodeURIComponent(signature)}`;
}

let signer: Signer;
let otherSigner: Signer;

beforeAll(() => {
  signer = rsaSigner('/CN=SP request signer');
  otherSigner = rsaSigner('/CN=Someone else');
});
afterAll(() => removeOpensslWorkDir());

describe('readAuthnRequest accepts samlify AuthnRequests', () => {
  it('Redirect binding, unsigned: the request ID, the ACS URL it names and its NameID format', () => {
    const sp = samlifySp();
    const { id, context } = sp.createLoginRequest(identityProvider(false), 'redirect');
    const facts = readAuthnRequest({ binding: 'redirect', query: queryOf(context) }, describe_(sp));
    expect(facts.id).toBe(id);
    expect(id).toMatch(/^_/);
    expect([ACS, SECOND_ACS]).toContain(facts.assertionConsumerServiceUrl);
    expect(facts.nameIdFormat).toBe(NAMEID_EMAIL);
  });

  it('POST binding, unsigned: the base64 form value and the raw XML alike', () => {
    const sp = samlifySp();
    const { id, context } = sp.createLoginRequest(identityProvider(false), 'post') as { id: string; context: string };
    const description = describe_(sp);
    expect(readAuthnRequest({ binding: 'post', message: context }, description).id).toBe(id);
    const xml = Buffer.from(context, 'base64').toString('utf8');
    expect(readAuthnRequest({ binding: 'post', message: xml }, description)).toMatchObject({ id, nameIdFormat: NAMEID_EMAIL });
  });

  it('Redirect binding, signed (RSA-SHA256 over the query, as samlify signs it)', () => {
    const sp = samlifySp(signer);
    const description = describe_(sp);
    expect(description.authnRequestsSigned).toBe(true);
    const { id, context } = sp.createLoginRequest(identityProvider(true), 'redirect', { relayState: 'https://app.test/after?x=1&y=2' });
    expect(queryOf(context)).toMatch(/RelayState=.*&SigAlg=.*&Signature=/);
    expect(readAuthnRequest({ binding: 'redirect', query: queryOf(context) }, description).id).toBe(id);
  });

  it('POST binding, signed (enveloped, verified against the metadata signing certificate)', () => {
    const sp = samlifySp(signer);
    const { id, context } = sp.createLoginRequest(identityProvider(true), 'post') as { id: string; context: string };
    expect(Buffer.from(context, 'base64').toString()).toContain('<ds:Signature');
    const facts = readAuthnRequest({ binding: 'post', message: context }, describe_(sp));
    expect(facts.id).toBe(id);
    expect([ACS, SECOND_ACS]).toContain(facts.assertionConsumerServiceUrl);
  });

  it('an ACS named by index, and no ACS at all (the SP default: the metadata lists index 0 first)', () => {
    const sp = samlifySp();
    const description = describe_(sp);
    const byIndex = sp.createLoginRequest(identityProvider(false), 'redirect', { assertionConsumerServiceIndex: 1 });
    expect(readAuthnRequest({ binding: 'redirect', query: queryOf(byIndex.context) }, description).assertionConsumerServiceUrl).toBe(SECOND_ACS);
    const none = requestXml();
    expect(readAuthnRequest({ binding: 'post', message: none }, description).assertionConsumerServiceUrl).toBe(ACS);
  });

  it("agrees with samlify's own IdP, which schema-validates the request (xmllint-wasm) and checks its signature", async () => {
    const sp = samlifySp(signer);
    const { id, context } = sp.createLoginRequest(identityProvider(true), 'post') as { id: string; context: string };
    const parsed = await identityProvider(true).parseLoginRequest(sp, 'post', { body: { SAMLRequest: context } });
    expect(parsed.extract.request?.id).toBe(id);
    expect(readAuthnRequest({ binding: 'post', message: context }, describe_(sp)).id).toBe(parsed.extract.request?.id);
    // The validator is live: samlify refuses what the schema refuses (an AuthnRequest without an ID).
    const invalid = Buffer.from(requestXml({ ID: undefined })).toString('base64');
    const quiet = [jest.spyOn(console, 'debug').mockImplementation(() => undefined), jest.spyOn(console, 'error').mockImplementation(() => undefined)];
    try {
      await expect(identityProvider(false).parseLoginRequest(samlifySp(), 'post', { body: { SAMLRequest: invalid } })).rejects.toThrow('ERR_EXCEPTION_VALIDATE_XML');
    } finally {
      quiet.forEach((spy) => spy.mockRestore());
    }
  });

  it('a leading "?" on the query is tolerated', () => {
    const sp = samlifySp();
    const { id, context } = sp.createLoginRequest(identityProvider(false), 'redirect');
    expect(readAuthnRequest({ binding: 'redirect', query: `?${queryOf(context)}` }, describe_(sp)).id).toBe(id);
  });

  it('a signature the SP does not need is still checked when its metadata has a signing certificate', () => {
    const sp = samlifySp(signer);
    const { context } = sp.createLoginRequest(identityProvider(true), 'redirect');
    const optional = { ...describe_(sp), authnRequestsSigned: false };
    expect(readAuthnRequest({ binding: 'redirect', query: queryOf(context) }, optional).id).toMatch(/^_/);
    expectRefused({ binding: 'redirect', query: queryOf(context).replace(/Signature=[^&]+/, `Signature=${encodeURIComponent(Buffer.alloc(256, 1).toString('base64'))}`) }, optional, 'authn_request_signature_invalid');
  });
});

describe('Redirect signatures by node:crypto', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let ecSp: ServiceProvider;
  let rsaSp: ServiceProvider;

  beforeAll(() => {
    const base = describe_(samlifySp());
    const certificateFor = (key: KeyObject, name: string) => {
      const keyFile = tempFile(key.export({ type: 'pkcs8', format: 'pem' }), '.key.pem');
      const certFile = tempPath('.crt.pem');
      opensslOk(['req', '-x509', '-new', '-key', keyFile, '-out', certFile, '-subj', `/CN=${name}`, '-days', '2']);
      return new X509Certificate(readFileSync(certFile));
    };
    ecSp = { ...base, authnRequestsSigned: true, signingCertificates: [certificateFor(ec.privateKey, 'ec')] };
    rsaSp = { ...base, authnRequestsSigned: true, signingCertificates: [certificateFor(rsa.privateKey, 'rsa')] };
  });

  it('ECDSA-SHA256, r||s as XML-DSig writes it and DER as some SPs do', () => {
    for (const encoding of ['ieee-p1363', 'der'] as const) {
      const query = signedQuery(requestXml(), ECDSA_SHA256, ec.privateKey, 'sha256', 'relay', encoding);
      expect(readAuthnRequest({ binding: 'redirect', query }, ecSp).id).toBe('_hand1');
    }
  });

  it('RSA-SHA512', () => {
    expect(readAuthnRequest({ binding: 'redirect', query: signedQuery(requestXml(), RSA_SHA512, rsa.privateKey, 'sha512') }, rsaSp).id).toBe('_hand1');
  });

  it('refuses RSA-SHA1 as weak, whatever the signature', () => {
    expectRefused({ binding: 'redirect', query: signedQuery(requestXml(), RSA_SHA1, rsa.privateKey, 'sha1') }, rsaSp, 'authn_request_weak_algorithm', /too weak/);
  });

  it('refuses an EC signature labelled RSA (no key of that type), and RelayState changed after signing', () => {
    expectRefused({ binding: 'redirect', query: signedQuery(requestXml(), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', ec.privateKey, 'sha256') }, ecSp, 'authn_request_signature_invalid');
    const query = signedQuery(requestXml(), ECDSA_SHA256, ec.privateKey, 'sha256', 'relay');
    expectRefused({ binding: 'redirect', query: query.replace('RelayState=relay', 'RelayState=other') }, ecSp, 'authn_request_signature_invalid');
  });

  it('refuses an unknown SigAlg, and SigAlg without Signature', () => {
    const query = signedQuery(requestXml(), 'urn:example:made-up', ec.privateKey, 'sha256');
    expectRefused({ binding: 'redirect', query }, ecSp, 'authn_request_signature_invalid', /not supported/);
    expectRefused({ binding: 'redirect', query: query.replace(/&Signature=.*$/, '') }, ecSp, 'authn_request_malformed', /both SigAlg and Signature/);
  });
});

describe('POST signatures with RSA-PSS (sha256-rsa-MGF1), made by the JDK XML Signature API', () => {
  const pssSigned = (xml: string, by: Signer) => signWithJdkRsaPss(xml, tempFile(by.key, '.key.pem'), tempFile(by.cert, '.crt.pem'));
  let signedDescription: ServiceProvider;

  beforeAll(() => {
    signedDescription = describe_(samlifySp(signer));
  });

  it('accepts the signed request', () => {
    const xml = pssSigned(requestXml({ AssertionConsumerServiceURL: SECOND_ACS }), signer);
    expect(xml).toContain(`<ds:SignatureMethod Algorithm="${RSA_PSS_SHA256}"/>`);
    expect(readAuthnRequest({ binding: 'post', message: Buffer.from(xml).toString('base64') }, signedDescription)).toMatchObject({
      id: '_hand1',
      assertionConsumerServiceUrl: SECOND_ACS,
    });
  });

  it('refuses it with the ACS URL changed after signing, and signed by another key', () => {
    const xml = pssSigned(requestXml({ AssertionConsumerServiceURL: SECOND_ACS }), signer);
    expectRefused({ binding: 'post', message: xml.replace(SECOND_ACS, ACS) }, signedDescription, 'authn_request_signature_invalid', /does not verify/);
    expectRefused({ binding: 'post', message: pssSigned(requestXml(), otherSigner) }, signedDescription, 'authn_request_signature_invalid', /does not verify/);
  });
});

describe('readAuthnRequest refuses', () => {
  let sp: ReturnType<typeof samlifySp>;
  let description: ServiceProvider;
  let signedSp: ReturnType<typeof samlifySp>;
  let signedDescription: ServiceProvider;

  beforeAll(() => {
    sp = samlifySp();
    description = describe_(sp);
    signedSp = samlifySp(signer);
    signedDescription = describe_(signedSp);
  });

  it('a tampered Redirect signature, and a query signed by another key', () => {
    const { context } = signedSp.createLoginRequest(identityProvider(true), 'redirect');
    const query = queryOf(context);
    const signature = decodeURIComponent(/Signature=([^&]+)/.exec(query)![1]);
    const flipped = Buffer.from(signature, 'base64');
    flipped[10] ^= 1;
    expectRefused({ binding: 'redirect', query: query.replace(/Signature=[^&]+/, `Signature=${encodeURIComponent(flipped.toString('base64'))}`) }, signedDescription, 'authn_request_signature_invalid', /does not verify/);
    const other = samlifySp(otherSigner).createLoginRequest(identityProvider(true), 'redirect');
    expectRefused({ binding: 'redirect', query: queryOf(other.context) }, signedDescription, 'authn_request_signature_invalid');
  });

  it('a tampered POST signature (the ACS URL changed after signing) and one by another key', () => {
    const { context } = signedSp.createLoginRequest(identityProvider(true), 'post') as { context: string };
    const xml = Buffer.from(context, 'base64').toString('utf8');
    const named = /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)![1];
    const tampered = xml.replace(`AssertionConsumerServiceURL="${named}"`, `AssertionConsumerServiceURL="${named === ACS ? SECOND_ACS : ACS}"`);
    expectRefused({ binding: 'post', message: tampered }, signedDescription, 'authn_request_signature_invalid', /does not verify/);
    const other = samlifySp(otherSigner).createLoginRequest(identityProvider(true), 'post') as { context: string };
    expectRefused({ binding: 'post', message: other.context }, signedDescription, 'authn_request_signature_invalid');
  });

  it('a POST signature wrapped: a second, signed request copy beside the root', () => {
    const { context } = signedSp.createLoginRequest(identityProvider(true), 'post') as { context: string };
    const xml = Buffer.from(context, 'base64').toString('utf8');
    const inner = xml.replace(/^<samlp:AuthnRequest [^>]*>/, '').replace(/<\/samlp:AuthnRequest>$/, '');
    const wrapped = xml.replace('</samlp:AuthnRequest>', `<samlp:Extensions>${inner}</samlp:Extensions></samlp:AuthnRequest>`);
    expectRefused({ binding: 'post', message: wrapped }, signedDescription, 'authn_request_signature_invalid', /exactly one signature/);
  });

  it('an unsigned request when the SP signs its requests (both bindings)', () => {
    const redirect = sp.createLoginRequest(identityProvider(false), 'redirect');
    expectRefused({ binding: 'redirect', query: queryOf(redirect.context) }, signedDescription, 'authn_request_unsigned', /AuthnRequestsSigned/);
    const post = sp.createLoginRequest(identityProvider(false), 'post') as { context: string };
    expectRefused({ binding: 'post', message: post.context }, signedDescription, 'authn_request_unsigned');
  });

  it('a Redirect request whose signature sits in the XML', () => {
    const { context } = signedSp.createLoginRequest(identityProvider(true), 'post') as { context: string };
    const xml = Buffer.from(context, 'base64').toString('utf8');
    expectRefused({ binding: 'redirect', query: redirectQuery(xml) }, signedDescription, 'authn_request_malformed', /in the query/);
  });

  it('an ACS URL the SP does not list (no open redirect), and an unknown index', () => {
    expectRefused({ binding: 'post', message: requestXml({ AssertionConsumerServiceURL: 'https://evil.test/acs' }) }, description, 'authn_request_acs_unknown', /evil\.test/);
    expectRefused({ binding: 'post', message: requestXml({ AssertionConsumerServiceURL: `${ACS}/` }) }, description, 'authn_request_acs_unknown');
    expectRefused({ binding: 'post', message: requestXml({ AssertionConsumerServiceIndex: '7' }) }, description, 'authn_request_acs_unknown', /index 7/);
    expectRefused({ binding: 'post', message: requestXml({ AssertionConsumerServiceURL: ACS, AssertionConsumerServiceIndex: '0' }) }, description, 'authn_request_malformed');
  });

  it('a ProtocolBinding other than HTTP-POST', () => {
    const artifact = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact';
    expectRefused({ binding: 'post', message: requestXml({ ProtocolBinding: artifact }) }, description, 'authn_request_binding_unsupported');
  });

  it('a wrong Issuer, a missing one, one with a non-entity Format', () => {
    expectRefused({ binding: 'post', message: requestXml({}, '<saml:Issuer>https://other.test</saml:Issuer>') }, description, 'authn_request_issuer_mismatch', /other\.test/);
    expectRefused({ binding: 'post', message: requestXml({}, '') }, description, 'authn_request_malformed', /Issuer/);
    const email = `<saml:Issuer Format="${NAMEID_EMAIL}">${SP_ENTITY}</saml:Issuer>`;
    expectRefused({ binding: 'post', message: requestXml({}, email) }, description, 'authn_request_malformed', /entity/);
  });

  it('a DOCTYPE (in either binding), and XML that is not well-formed', () => {
    const doctype = `<!DOCTYPE r [<!ENTITY x "y">]>${requestXml()}`;
    expectRefused({ binding: 'post', message: doctype }, description, 'authn_request_malformed', /DOCTYPE/);
    expectRefused({ binding: 'redirect', query: redirectQuery(doctype) }, description, 'authn_request_malformed', /DOCTYPE/);
    expectRefused({ binding: 'post', message: requestXml().replace('</samlp:AuthnRequest>', '') }, description, 'authn_request_malformed', /well-formed/);
  });

  it('a deflate bomb, an oversized POST message and an overlong query, before decoding', () => {
    const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(32 * 1024);
    expectRefused({ binding: 'redirect', query: `SAMLRequest=${encodeURIComponent(bomb.toString('base64'))}` }, description, 'authn_request_too_large', /inflates/);
    const big = requestXml({}, `<saml:Issuer>${SP_ENTITY}</saml:Issuer>${' '.repeat(40 * 1024)}`);
    expectRefused({ binding: 'post', message: big }, description, 'authn_request_too_large');
    expectRefused({ binding: 'post', message: Buffer.from(big).toString('base64') }, description, 'authn_request_too_large');
    expectRefused({ binding: 'redirect', query: `SAMLRequest=${'A'.repeat(200 * 1024)}` }, description, 'authn_request_too_large');
  });

  it('a bad ID, a wrong Version, a root that is no AuthnRequest', () => {
    expectRefused({ binding: 'post', message: requestXml({ ID: '1abc' }) }, description, 'authn_request_malformed', /xs:ID/);
    expectRefused({ binding: 'post', message: requestXml({ ID: 'a b' }) }, description, 'authn_request_malformed', /xs:ID/);
    expectRefused({ binding: 'post', message: requestXml({ ID: undefined }) }, description, 'authn_request_malformed', /xs:ID/);
    expectRefused({ binding: 'post', message: requestXml({ Version: '1.1' }) }, description, 'authn_request_malformed', /Version/);
    expectRefused({ binding: 'post', message: requestXml().replace(/AuthnRequest/g, 'LogoutRequest') }, description, 'authn_request_malformed', /not a samlp:AuthnRequest/);
  });

  it('an IssueInstant too old, in the future, missing or not UTC', () => {
    const now = new Date();
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
    const options = { now: () => now };
    expectRefused({ binding: 'post', message: requestXml({ IssueInstant: at(-601) }) }, description, 'authn_request_expired', undefined, options);
    expect(readAuthnRequest({ binding: 'post', message: requestXml({ IssueInstant: at(-599) }) }, description, options).id).toBe('_hand1');
    expectRefused({ binding: 'post', message: requestXml({ IssueInstant: at(181) }) }, description, 'authn_request_not_yet_valid', undefined, options);
    expect(readAuthnRequest({ binding: 'post', message: requestXml({ IssueInstant: at(179) }) }, description, options).id).toBe('_hand1');
    expectRefused({ binding: 'post', message: requestXml({ IssueInstant: undefined }) }, description, 'authn_request_malformed', /IssueInstant/);
    expectRefused({ binding: 'post', message: requestXml({ IssueInstant: '2030-01-01T00:00:00+01:00' }) }, description, 'authn_request_malformed', /IssueInstant/);
  });

  it('a Destination other than this IdP, when the caller names it', () => {
    const options = { destination: 'https://sts.test/other-sso' };
    expectRefused({ binding: 'post', message: requestXml() }, description, 'authn_request_destination_mismatch', /other-sso/, options);
    expect(readAuthnRequest({ binding: 'post', message: requestXml() }, description, { destination: 'https://sts.test/sso' }).id).toBe('_hand1');
  });

  it('query noise: no SAMLRequest, a repeated one, bad base64, data that is not DEFLATE', () => {
    expectRefused({ binding: 'redirect', query: 'RelayState=x' }, description, 'authn_request_malformed', /no SAMLRequest/);
    const query = redirectQuery(requestXml());
    expectRefused({ binding: 'redirect', query: `${query}&${query}` }, description, 'authn_request_malformed', /more than once/);
    expectRefused({ binding: 'redirect', query: 'SAMLRequest=%%%' }, description, 'authn_request_malformed');
    expectRefused({ binding: 'redirect', query: 'SAMLRequest=!!!!' }, description, 'authn_request_malformed', /base64/);
    expectRefused({ binding: 'redirect', query: `SAMLRequest=${encodeURIComponent(Buffer.from('not deflate at all').toString('base64'))}` }, description, 'authn_request_malformed', /DEFLATE/);
    expectRefused({ binding: 'post', message: 'not base64 at all!' }, description, 'authn_request_malformed');
  });
});
