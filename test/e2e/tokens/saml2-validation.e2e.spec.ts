/**
 * Input type SAML2 over HTTP: assertions signed by xmlsec1 (an XML signature implementation
 * independent of xml-crypto) with an IdP key openssl made, turned into ID tokens and access
 * tokens; each known attack on SAML signature validation refused with its status and code; and
 * assertions meant for another endpoint (bearer Recipient, Response Destination) refused.
 * Also the load-time refusals of a `saml2_validation:` block.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { stringify } from 'yaml';
import { loadRealms } from '../../../src/realms/realm-loader';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { configErrorOf, expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { startTestServer, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const IDP = 'https://idp.test/saml';
const AUDIENCE = 'https://sts.test/saml';
/** This STS's endpoints as an IdP names them: the translate URL and the token endpoint. */
const RECIPIENTS = ['https://sts.test/rest-sts/saml', 'https://sts.test/oauth2/saml/token'];
/** Another relying party's endpoint, for which the IdP issued the assertion. */
const OTHER_ENDPOINT = 'https://other-rp.test/saml/acs';
const KEYS = [
  { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
  { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
];
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  ecdsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256',
  ecdsaSha1: 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
};

let work: string;
let counter = 0;
const idp = { key: '', cert: '' };
const attacker = { key: '', cert: '' };
/** The STS's own SAML signing pair, for re-issued assertions. */
const sts = { key: '', cert: '' };
/** An IdP signing with an EC P-256 key (ECDSA-SHA256). */
const ecIdp = { key: '', cert: '' };
const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

function makeKeyPair(name: string, into: { key: string; cert: string }, newkey = ['-newkey', 'rsa:2048']): void {
  into.key = join(work, `${name}.key.pem`);
  into.cert = join(work, `${name}.crt.pem`);
  execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', into.key, '-out', into.cert, '-days', '2', '-subj', `/CN=${name}`], {
    stdio: 'ignore',
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sts-saml-in-'));
  makeKeyPair('idp', idp);
  makeKeyPair('attacker', attacker);
  makeKeyPair('sts', sts);
  makeKeyPair('ec-idp', ecIdp, EC_P256);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const iso = (offsetSeconds: number) => new Date(Date.now() + offsetSeconds * 1000).toISOString();

function signatureTemplate(id: string, o: { signatureAlgorithm?: string; digestAlgorithm?: string } = {}): string {
  return (
    `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="${ALG.excC14n}"/><ds:SignatureMethod Algorithm="${o.signatureAlgorithm ?? ALG.rsaSha256}"/>` +
    `<ds:Reference URI="#${id}"><ds:Transforms><ds:Transform Algorithm="${ALG.enveloped}"/><ds:Transform Algorithm="${ALG.excC14n}"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${o.digestAlgorithm ?? ALG.sha256}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>` +
    `<ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>`
  );
}

interface AssertionOptions {
  id?: string;
  issuer?: string;
  nameId?: string;
  audience?: string;
  notBefore?: string;
  notOnOrAfter?: string;
  authnInstant?: string;
  classRef?: string;
  attributes?: Record<string, string[]>;
  /** The bearer Recipient; default RECIPIENTS[0]. */
  recipient?: string;
  /** Replaces the whole bearer SubjectConfirmation (see bearer()). */
  confirmations?: string;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  /** false: no signature template (an unsigned assertion). */
  signed?: boolean;
}

/** A bearer SubjectConfirmation holding `data` (none when empty). */
const bearer = (data = '') => `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">${data}</saml:SubjectConfirmation>`;
/** SubjectConfirmationData with this Recipient, or none when undefined. */
const confirmationData = (recipient: string | undefined, notOnOrAfter = iso(300)) =>
  `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}"${recipient === undefined ? '' : ` Recipient="${recipient}"`}/>`;

/** A SAML 2.0 assertion in schema order, with a signature template for xmlsec1 after the Issuer. */
function assertionXml(o: AssertionOptions = {}): string {
  const id = o.id ?? `_a${Date.now()}x${counter++}`;
  const attributes = Object.entries(o.attributes ?? { mail: ['alice@idp.test'], groups: ['staff', 'admins'] })
    .map(([name, values]) => `<saml:Attribute Name="${name}">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  return (
    `<saml:Assertion xmlns:saml="${SAML}" ID="${id}" Version="2.0" IssueInstant="${iso(0)}">` +
    `<saml:Issuer>${o.issuer ?? IDP}</saml:Issuer>` +
    (o.signed === false ? '' : signatureTemplate(id, o)) +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${o.nameId ?? 'alice@idp.test'}</saml:NameID>` +
    `${o.confirmations ?? bearer(confirmationData(o.recipient ?? RECIPIENTS[0], o.notOnOrAfter))}</saml:Subject>` +
    `<saml:Conditions NotBefore="${o.notBefore ?? iso(-60)}" NotOnOrAfter="${o.notOnOrAfter ?? iso(300)}">` +
    `<saml:AudienceRestriction><saml:Audience>${o.audience ?? AUDIENCE}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${o.authnInstant ?? '2030-01-02T03:04:05Z'}"><saml:AuthnContext><saml:AuthnContextClassRef>` +
    `${o.classRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`
  );
}

/** Signs the template(s) in `xml` with xmlsec1; `idAttr` names the element whose ID the reference uses. */
function xmlsecSign(xml: string, signer = idp, idAttr = `${SAML}:Assertion`): string {
  const file = join(work, `t${counter++}.xml`);
  writeFileSync(file, xml);
  const out = execFileSync('xmlsec1', ['--sign', '--privkey-pem', `${signer.key},${signer.cert}`, '--id-attr:ID', idAttr, file], { encoding: 'utf8' });
  // Drop the XML declaration, so the signed assertion can be embedded in other documents.
  return out.replace(/^<\?xml[^>]*\?>\s*/, '');
}

const signedAssertion = (o: AssertionOptions = {}, signer = idp) => xmlsecSign(assertionXml(o), signer);
const response = (inner: string, id = `_r${counter++}`, destination?: string) =>
  `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="${id}" Version="2.0" IssueInstant="${iso(0)}"` +
  `${destination === undefined ? '' : ` Destination="${destination}"`}>` +
  `<saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${inner}</samlp:Response>`;

function samlInstance(validation: Json = {}): Json {
  return {
    supported_token_transforms: [
      { from: 'SAML2', to: 'OPENIDCONNECT' },
      { from: 'SAML2', to: 'JWT' },
    ],
    saml2_validation: { trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }], audience: AUDIENCE, recipients: RECIPIENTS, ...validation },
    oidc: {
      issuer: 'https://sts.test',
      audience: ['rp-client'],
      signature_algorithm: 'RS256',
      signing_key: 'rsa-1',
      claim_map: { email: 'mail', groups: 'groups', idp: 'saml_issuer' },
    },
    access_token: { issuer: 'https://sts.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1', claim_map: { email: 'mail' } },
  };
}

describe('SAML2 input over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      root: {
        realm: '/',
        keys: [...KEYS, { kid: 'sts-saml', use: 'sig', private_key_file: sts.key, certificate_file: sts.cert }],
        instances: {
          saml: samlInstance(),
          small: samlInstance({ max_document_bytes: 1024 }),
          reissue: {
            ...samlInstance(),
            supported_token_transforms: [{ from: 'SAML2', to: 'SAML2' }],
            saml2: {
              issuer: 'https://sts.test/saml',
              sp_entity_id: 'https://sp2.test',
              sp_acs_url: 'https://sp2.test/acs',
              attribute_map: { email: 'mail', groups: 'groups' },
              signing_key: 'sts-saml',
            },
          },
          'ec-idp': samlInstance({ trusted_idps: [{ entity_id: IDP, certificate_file: ecIdp.cert }] }),
          // Two certificates for one IdP, as during a key rollover (the "old" one is the attacker pair here).
          rollover: samlInstance({
            trusted_idps: [
              { entity_id: IDP, certificate_file: attacker.cert },
              { entity_id: IDP, certificate_file: idp.cert },
            ],
          }),
        },
      },
    });
  });
  afterAll(() => server?.close());

  const translate = (token: unknown, output: 'OPENIDCONNECT' | 'JWT' = 'OPENIDCONNECT', instance = 'saml') =>
    server.post(`/rest-sts/${instance}?_action=translate`, {
      input_token_state: { token_type: 'SAML2', ...(token === undefined ? {} : { saml2_token: token }) },
      output_token_state: { token_type: output },
    });

  function issued(res: TestResponse): Json {
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { issued_token: expect.any(String) } });
    return decodeJwt(res.body.issued_token);
  }

  /** Refused with this status and code, and the attacker's identity appears nowhere. */
  function refused(res: TestResponse, status: number, code: string): void {
    expectErrorBody(res, status, code);
    expect(res.body.issued_token).toBeUndefined();
  }

  describe('accepted', () => {
    it('turns an xmlsec1-signed assertion into an ID token: sub = NameID, auth_time = AuthnInstant, acr = AuthnContextClassRef, attributes mapped', async () => {
      const claims = issued(await translate(signedAssertion({ authnInstant: '2030-01-02T03:04:05Z' })));
      expect(claims).toMatchObject({
        iss: 'https://sts.test',
        sub: 'alice@idp.test',
        aud: 'rp-client',
        auth_time: Date.UTC(2030, 0, 2, 3, 4, 5) / 1000,
        acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        amr: ['pwd'],
        email: 'alice@idp.test',
        groups: ['staff', 'admins'],
        idp: IDP,
      });
    });

    it('re-issues it for another SP (SAML2 -> SAML2): same subject, AuthnInstant and attributes, signed by the STS', async () => {
      const res = await server.post('/rest-sts/reissue?_action=translate', {
        input_token_state: { token_type: 'SAML2', saml2_token: signedAssertion({ authnInstant: '2030-01-02T03:04:05Z' }) },
        output_token_state: { token_type: 'SAML2' },
      });
      expect(res.status).toBe(200);
      const doc = new DOMParser().parseFromString(res.body.issued_token, 'text/xml');
      const first = (name: string) => doc.getElementsByTagNameNS(SAML, name)[0];
      expect(first('NameID')?.textContent).toBe('alice@idp.test');
      expect(first('Issuer')?.textContent).toBe('https://sts.test/saml');
      expect(first('Audience')?.textContent).toBe('https://sp2.test');
      expect(first('AuthnStatement')?.getAttribute('AuthnInstant')).toBe('2030-01-02T03:04:05Z');
      expect(first('AuthnContextClassRef')?.textContent).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
      const values = [...doc.getElementsByTagNameNS(SAML, 'Attribute')].map((a) => [
        a.getAttribute('Name'),
        [...a.getElementsByTagNameNS(SAML, 'AttributeValue')].map((v) => v.textContent),
      ]);
      expect(values).toEqual([
        ['email', ['alice@idp.test']],
        ['groups', ['staff', 'admins']],
      ]);
      const file = join(work, `reissued${counter++}.xml`);
      writeFileSync(file, res.body.issued_token);
      // xmlsec1 exits non-zero (and execFileSync throws) unless the STS signature verifies.
      execFileSync('xmlsec1', ['--verify', '--pubkey-cert-pem', sts.cert, '--id-attr:ID', `${SAML}:Assertion`, file], { stdio: 'pipe' });
    });

    it('turns it into an access token (SAML2 -> JWT)', async () => {
      const res = await translate(signedAssertion({ nameId: 'bob@idp.test', attributes: { mail: ['bob@idp.test'] } }), 'JWT');
      expect(decodeProtectedHeader(res.body.issued_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      expect(issued(res)).toMatchObject({ sub: 'bob@idp.test', aud: 'api', email: 'bob@idp.test' });
    });

    it('accepts the assertion base64-encoded, and inside a Response', async () => {
      expect(issued(await translate(Buffer.from(signedAssertion({ nameId: 'b64@idp.test' })).toString('base64'))).sub).toBe('b64@idp.test');
      expect(issued(await translate(response(signedAssertion({ nameId: 'resp@idp.test' })))).sub).toBe('resp@idp.test');
      expect(issued(await translate(`<?xml version="1.0" encoding="UTF-8"?>\n${signedAssertion({ nameId: 'decl@idp.test' })}`)).sub).toBe('decl@idp.test');
    });

    it('tries every certificate configured for the issuer (key rollover)', async () => {
      expect(issued(await translate(signedAssertion({ nameId: 'new-key@idp.test' }), 'OPENIDCONNECT', 'rollover')).sub).toBe('new-key@idp.test');
      // The other instance trusts only the IdP's key, not the one listed first here.
      refused(await translate(signedAssertion({ nameId: 'old-key@idp.test' }, attacker)), 401, 'saml_signature_invalid');
      expect(issued(await translate(signedAssertion({ nameId: 'old-key@idp.test' }, attacker), 'OPENIDCONNECT', 'rollover')).sub).toBe('old-key@idp.test');
    });

    it('an assertion signed with ECDSA-SHA256 by an IdP with an EC P-256 certificate', async () => {
      const signed = signedAssertion({ nameId: 'ec@idp.test', signatureAlgorithm: ALG.ecdsaSha256 }, ecIdp);
      expect(signed).toContain(`<ds:SignatureMethod Algorithm="${ALG.ecdsaSha256}"/>`);
      // XML-DSig 1.1: r || s, 32 bytes each for P-256 (not DER).
      const value = /<ds:SignatureValue>([^<]*)<\/ds:SignatureValue>/.exec(signed)![1];
      expect(Buffer.from(value.replace(/\s/g, ''), 'base64')).toHaveLength(64);
      expect(issued(await translate(signed, 'OPENIDCONNECT', 'ec-idp')).sub).toBe('ec@idp.test');
    });

    it('refuses the same assertion a second time (replay)', async () => {
      const assertion = signedAssertion({ nameId: 'once@idp.test' });
      expect(issued(await translate(assertion)).sub).toBe('once@idp.test');
      refused(await translate(assertion), 401, 'saml_assertion_replayed');
      // Base64 of the same assertion is the same assertion.
      refused(await translate(Buffer.from(assertion).toString('base64')), 401, 'saml_assertion_replayed');
    });

    it('refuses an assertion spent at one instance at every other instance that trusts the IdP (one replay cache)', async () => {
      const assertion = signedAssertion({ nameId: 'everywhere@idp.test' });
      expect(issued(await translate(assertion, 'JWT', 'saml')).sub).toBe('everywhere@idp.test');
      for (const instance of ['rollover', 'reissue']) {
        refused(await translate(assertion, instance === 'reissue' ? ('SAML2' as 'JWT') : 'OPENIDCONNECT', instance), 401, 'saml_assertion_replayed');
      }
    });

    it('does not spend an assertion ID on a refused request', async () => {
      const id = `_keep${counter++}`;
      refused(await translate(signedAssertion({ id, audience: 'https://other.test' })), 401, 'saml_audience_mismatch');
      expect(issued(await translate(signedAssertion({ id }))).sub).toBe('alice@idp.test');
    });
  });

  describe('refused before any signature work', () => {
    it('a missing or non-string saml2_token -> 400 invalid_request', async () => {
      refused(await translate(undefined), 400, 'invalid_request');
      refused(await translate(42), 400, 'invalid_request');
    });

    it('a DOCTYPE with an external entity (XXE) -> 400 saml_dtd_forbidden', async () => {
      const xxe = signedAssertion({ nameId: 'x' }).replace('>x<', '>&xxe;<');
      const doc = `<?xml version="1.0"?><!DOCTYPE saml:Assertion [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xxe}`;
      refused(await translate(doc), 400, 'saml_dtd_forbidden');
      refused(await translate(Buffer.from(doc).toString('base64')), 400, 'saml_dtd_forbidden');
    });

    it('billion laughs -> 400 saml_dtd_forbidden', async () => {
      const entities = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`)].join('');
      const doc = `<!DOCTYPE lolz [${entities}]>${signedAssertion({ nameId: 'z' }).replace('>z<', '>&lol9;<')}`;
      refused(await translate(doc), 400, 'saml_dtd_forbidden');
    });

    it('a document larger than max_document_bytes, even a validly signed one -> 400 saml_document_too_large', async () => {
      const assertion = signedAssertion();
      expect(Buffer.byteLength(assertion)).toBeGreaterThan(1024);
      refused(await translate(assertion, 'OPENIDCONNECT', 'small'), 400, 'saml_document_too_large');
      refused(await translate(Buffer.from(assertion).toString('base64'), 'OPENIDCONNECT', 'small'), 400, 'saml_document_too_large');
    });

    it('XML that is not well-formed -> 400 malformed_saml', async () => {
      refused(await translate(signedAssertion().replace('</saml:Subject>', '')), 400, 'malformed_saml');
      refused(await translate('<a>&unknown;</a>'), 400, 'malformed_saml');
    });
  });

  describe('signature attacks', () => {
    it('signature wrapping in a Response: the signed assertion hidden in Extensions, an unsigned one beside it', async () => {
      const genuine = signedAssertion({ nameId: 'alice@idp.test' });
      const evil = assertionXml({ nameId: 'admin@idp.test', signed: false });
      const doc = response(`${evil}<samlp:Extensions>${genuine}</samlp:Extensions>`).replace('<saml:Issuer>', '<samlp:Extensions/><saml:Issuer>');
      refused(await translate(doc), 401, 'saml_signature_invalid');
      // Both as siblings, in either order.
      refused(await translate(response(genuine + evil)), 401, 'saml_signature_invalid');
      refused(await translate(response(evil + genuine)), 401, 'saml_signature_invalid');
    });

    it('signature wrapping as a child: an unsigned assertion carrying the signed one (and its signature) inside it', async () => {
      const genuine = signedAssertion({ nameId: 'alice@idp.test' });
      const signature = genuine.match(/<ds:Signature[\s\S]*<\/ds:Signature>/)![0];
      const evil = assertionXml({ id: '_evil', nameId: 'admin@idp.test', signed: false }).replace(
        '</saml:Issuer>',
        `</saml:Issuer>${signature.replace('<ds:KeyInfo>', `<ds:Object>${genuine}</ds:Object><ds:KeyInfo>`)}`,
      );
      refused(await translate(evil), 401, 'saml_signature_invalid');
      // And with the signed one inside the evil assertion's Advice, the signature copied onto the evil one.
      const advice = assertionXml({ id: '_evil2', nameId: 'admin@idp.test', signed: false }).replace(
        '</saml:Issuer>',
        `</saml:Issuer>${signature}`,
      ).replace('<saml:AuthnStatement', `<saml:Advice>${genuine}</saml:Advice><saml:AuthnStatement`);
      refused(await translate(advice), 401, 'saml_signature_invalid');
    });

    it('two SignedInfo in one Signature', async () => {
      const genuine = signedAssertion();
      const signedInfo = genuine.match(/<ds:SignedInfo>[\s\S]*<\/ds:SignedInfo>/)![0];
      refused(await translate(genuine.replace(signedInfo, signedInfo + signedInfo)), 401, 'saml_signature_invalid');
    });

    it('a comment inserted into the NameID after signing never yields the truncated name', async () => {
      const genuine = signedAssertion({ nameId: 'user@a.com.evil.com' });
      const res = await translate(genuine.replace('user@a.com.evil.com', 'user@a.com<!---->.evil.com'));
      refused(res, 401, 'saml_signature_invalid');
      expect(JSON.stringify(res.body)).not.toContain('user@a.com"');
    });

    it('a comment inside the DigestValue', async () => {
      const genuine = signedAssertion();
      refused(await translate(genuine.replace(/<ds:DigestValue>(.{8})/, '<ds:DigestValue>$1<!-- x -->')), 401, 'saml_signature_invalid');
    });

    it('an RSA-SHA1 signature -> 401 saml_weak_algorithm', async () => {
      refused(await translate(signedAssertion({ signatureAlgorithm: ALG.rsaSha1 })), 401, 'saml_weak_algorithm');
    });

    it('a SHA-1 digest -> 401 saml_weak_algorithm', async () => {
      refused(await translate(signedAssertion({ digestAlgorithm: ALG.sha1 })), 401, 'saml_weak_algorithm');
    });

    it('an unsigned assertion inside a signed Response -> 401 saml_assertion_unsigned', async () => {
      const id = `_resp${counter++}`;
      const template = response(assertionXml({ signed: false }), id).replace('</saml:Issuer>', `</saml:Issuer>${signatureTemplate(id)}`);
      const signedResponse = xmlsecSign(template, idp, `${SAMLP}:Response`);
      expect(signedResponse).toContain('<ds:SignatureValue>');
      refused(await translate(signedResponse), 401, 'saml_assertion_unsigned');
      refused(await translate(assertionXml({ signed: false })), 401, 'saml_assertion_unsigned');
    });

    it('signed by the attacker with the attacker certificate in KeyInfo -> 401 saml_signature_invalid', async () => {
      const forged = signedAssertion({ nameId: 'admin@idp.test' }, attacker);
      const attackerCert = readFileSync(attacker.cert, 'latin1').replace(/-----[^-]+-----|\s/g, '');
      expect(forged.replace(/\s/g, '')).toContain(attackerCert);
      refused(await translate(forged), 401, 'saml_signature_invalid');
    });

    it('an Issuer that is not a trusted IdP -> 401 saml_untrusted_issuer', async () => {
      refused(await translate(signedAssertion({ issuer: 'https://evil.test/saml' }, attacker)), 401, 'saml_untrusted_issuer');
    });

    it('an attribute value changed after signing', async () => {
      const genuine = signedAssertion({ attributes: { mail: ['alice@idp.test'] } });
      refused(await translate(genuine.replace('<saml:AttributeValue>alice@idp.test<', '<saml:AttributeValue>admin@idp.test<')), 401, 'saml_signature_invalid');
    });
  });

  describe('ECDSA signatures', () => {
    it('an EC-signed assertion altered after signing -> 401 saml_signature_invalid', async () => {
      const genuine = signedAssertion({ signatureAlgorithm: ALG.ecdsaSha256, attributes: { mail: ['alice@idp.test'] } }, ecIdp);
      const altered = genuine.replace('<saml:AttributeValue>alice@idp.test<', '<saml:AttributeValue>admin@idp.test<');
      expect(altered).not.toBe(genuine);
      refused(await translate(altered, 'OPENIDCONNECT', 'ec-idp'), 401, 'saml_signature_invalid');
    });

    it('an ECDSA signature by a key the issuer is not configured with -> 401 saml_signature_invalid', async () => {
      // Signed with the EC IdP key, but the "saml" instance trusts only the RSA IdP certificate.
      refused(await translate(signedAssertion({ signatureAlgorithm: ALG.ecdsaSha256 }, ecIdp)), 401, 'saml_signature_invalid');
    });

    it('ECDSA-SHA1 -> 401 saml_weak_algorithm', async () => {
      const template = assertionXml({ signatureAlgorithm: ALG.ecdsaSha1 });
      refused(await translate(template, 'OPENIDCONNECT', 'ec-idp'), 401, 'saml_weak_algorithm');
    });
  });

  describe('conditions', () => {
    it('an audience other than this STS -> 401 saml_audience_mismatch', async () => {
      refused(await translate(signedAssertion({ audience: 'https://other-sp.test' })), 401, 'saml_audience_mismatch');
    });

    it('expired beyond the clock skew -> 401 saml_assertion_expired', async () => {
      refused(await translate(signedAssertion({ notBefore: iso(-900), notOnOrAfter: iso(-120) })), 401, 'saml_assertion_expired');
    });

    it('not yet valid beyond the clock skew -> 401 saml_assertion_not_yet_valid', async () => {
      refused(await translate(signedAssertion({ notBefore: iso(600) })), 401, 'saml_assertion_not_yet_valid');
    });

    it('within the clock skew is accepted', async () => {
      expect(issued(await translate(signedAssertion({ notBefore: iso(30), nameId: 'skew@idp.test' }))).sub).toBe('skew@idp.test');
    });
  });

  describe('meant for this endpoint (bearer Recipient, Response Destination)', () => {
    it('a Recipient naming another endpoint -> 401 saml_recipient_mismatch, naming what was found and what is accepted', async () => {
      const res = await translate(signedAssertion({ recipient: OTHER_ENDPOINT }));
      refused(res, 401, 'saml_recipient_mismatch');
      expect(res.body.message).toContain(`found: "${OTHER_ENDPOINT}"`);
      expect(res.body.message).toContain(`accepted: "${RECIPIENTS[0]}", "${RECIPIENTS[1]}"`);
    });

    it('a SubjectConfirmationData without Recipient -> 401 saml_recipient_mismatch', async () => {
      const res = await translate(signedAssertion({ confirmations: bearer(confirmationData(undefined)) }));
      refused(res, 401, 'saml_recipient_mismatch');
      expect(res.body.message).toContain('found: no Recipient');
    });

    it('a bearer SubjectConfirmation without SubjectConfirmationData -> 401 saml_recipient_mismatch', async () => {
      const res = await translate(signedAssertion({ confirmations: bearer() }));
      refused(res, 401, 'saml_recipient_mismatch');
      expect(res.body.message).toContain('found: no SubjectConfirmationData');
    });

    it('two bearer confirmations, one for another endpoint and one for ours, is accepted', async () => {
      const confirmations = bearer(confirmationData(OTHER_ENDPOINT)) + bearer(confirmationData(RECIPIENTS[1]));
      expect(issued(await translate(signedAssertion({ nameId: 'two@idp.test', confirmations }))).sub).toBe('two@idp.test');
    });

    it('a Response whose Destination is another URL -> 401 saml_destination_mismatch', async () => {
      const res = await translate(response(signedAssertion(), undefined, OTHER_ENDPOINT));
      refused(res, 401, 'saml_destination_mismatch');
      expect(res.body.message).toContain(`"${OTHER_ENDPOINT}"`);
    });

    it('a Response whose Destination is one of the recipients is accepted', async () => {
      expect(issued(await translate(response(signedAssertion({ nameId: 'dest@idp.test' }), undefined, RECIPIENTS[0]))).sub).toBe('dest@idp.test');
    });
  });
});

describe('trusted certificates after a configuration reload', () => {
  // The IdP keys are read once per loaded configuration and kept by its config object: a reload
  // that replaces the certificate (same file name, new content) must drop the old key at once.
  let server: TestServer;
  let trusted: string;
  const realm = () => ({ realm: '/', keys: KEYS, instances: { saml: samlInstance({ trusted_idps: [{ entity_id: IDP, certificate_file: trusted }] }) } });
  beforeAll(async () => {
    trusted = join(work, 'trusted-idp.crt.pem');
    writeFileSync(trusted, readFileSync(idp.cert));
    server = await startTestServer({ root: realm() });
  });
  afterAll(() => server?.close());

  const translate = (token: string) =>
    server.post('/rest-sts/saml?_action=translate', {
      input_token_state: { token_type: 'SAML2', saml2_token: token },
      output_token_state: { token_type: 'OPENIDCONNECT' },
    });

  it('refuses an assertion signed by the previous certificate, accepts one by the new', async () => {
    expect((await translate(signedAssertion({ nameId: 'before@idp.test' }))).status).toBe(200);

    writeFileSync(trusted, readFileSync(attacker.cert));
    writeFileSync(join(server.configDir, 'realms', 'root.yaml'), stringify(realm()));
    await expect(server.app.get(RealmRegistry).reload()).resolves.toEqual({ applied: true });

    expectErrorBody(await translate(signedAssertion({ nameId: 'old@idp.test' })), 401, 'saml_signature_invalid');
    expect((await translate(signedAssertion({ nameId: 'new@idp.test' }, attacker))).status).toBe(200);
  });
});

describe('saml2_validation load-time refusals', () => {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  async function load(validation: Json | undefined, files: Record<string, string> = {}): Promise<unknown> {
    const instance = samlInstance();
    if (validation === undefined) delete instance.saml2_validation;
    else instance.saml2_validation = validation;
    const dir = await writeConfigDir({ root: { realm: '/', keys: KEYS, instances: { x: instance } } });
    roots.push(dir.root);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir.configDir, name), content);
    return loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry });
  }

  it('loads a certificate given relative to the config directory', async () => {
    await expect(load({ trusted_idps: [{ entity_id: IDP, certificate_file: 'idp.pem' }], audience: AUDIENCE, recipients: RECIPIENTS }, { 'idp.pem': readFileSync(idp.cert, 'latin1') })).resolves.toBeDefined();
  });

  it('an instance accepting SAML2 without saml2_validation', async () => {
    expectConfigProblem(await configErrorOf(load(undefined)), 'instances.x.saml2_validation', /missing/);
  });

  it('a certificate file that does not exist', async () => {
    const error = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: 'nope.pem' }], audience: AUDIENCE, recipients: RECIPIENTS }));
    expectConfigProblem(error, 'instances.x.saml2_validation.trusted_idps[0].certificate_file', /nope\.pem: file not found/);
  });

  it('a certificate file holding no certificate (a private key)', async () => {
    const error = await configErrorOf(
      load(
        { trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }, { entity_id: IDP, certificate_file: 'key.pem' }], audience: AUDIENCE, recipients: RECIPIENTS },
        { 'key.pem': readFileSync(idp.key, 'latin1') },
      ),
    );
    expectConfigProblem(error, 'instances.x.saml2_validation.trusted_idps[1].certificate_file', /key\.pem holds no PEM certificate/);
  });

  it('a damaged certificate', async () => {
    const damaged = '-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n';
    const error = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: 'bad.pem' }], audience: AUDIENCE, recipients: RECIPIENTS }, { 'bad.pem': damaged }));
    expectConfigProblem(error, 'instances.x.saml2_validation.trusted_idps[0].certificate_file', /certificate #1 cannot be read/);
  });

  it('an RSA key shorter than 2048 bits', async () => {
    const weakKey = join(work, 'weak.key.pem');
    const weakCert = join(work, 'weak.crt.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', weakKey, '-out', weakCert, '-days', '2', '-subj', '/CN=weak'], { stdio: 'ignore' });
    const error = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: weakCert }], audience: AUDIENCE, recipients: RECIPIENTS }));
    expectConfigProblem(error, 'instances.x.saml2_validation.trusted_idps[0].certificate_file', /1024-bit RSA key; at least 2048/);
  });

  it('loads an EC P-256 IdP certificate, refuses an EC key on another curve', async () => {
    await expect(load({ trusted_idps: [{ entity_id: IDP, certificate_file: ecIdp.cert }], audience: AUDIENCE, recipients: RECIPIENTS })).resolves.toBeDefined();
    const k1 = { key: '', cert: '' };
    makeKeyPair('secp256k1', k1, ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);
    const error = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: k1.cert }], audience: AUDIENCE, recipients: RECIPIENTS }));
    expectConfigProblem(error, 'instances.x.saml2_validation.trusted_idps[0].certificate_file', /EC key on secp256k1; only P-256, P-384 and P-521/);
  });

  it('a realm accepting SAML2 without recipients: the error names the key and says what to put there', async () => {
    const error = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }], audience: AUDIENCE }));
    expectConfigProblem(error, 'instances.x.saml2_validation.recipients', /required for SAML2 input: list the URL\(s\) your IdP writes as Recipient/);
    const empty = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }], audience: AUDIENCE, recipients: [] }));
    expectConfigProblem(empty, 'instances.x.saml2_validation.recipients', /required for SAML2 input/);
  });

  it('a recipient that is not an absolute http(s) URL', async () => {
    const error = await configErrorOf(load({ trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }], audience: AUDIENCE, recipients: [RECIPIENTS[0], '/rest-sts/saml'] }));
    expectConfigProblem(error, 'instances.x.saml2_validation.recipients', /each entry must be an absolute http\(s\) URL/);
  });

  it('no trusted IdP at all, and no audience', async () => {
    const error = await configErrorOf(load({ trusted_idps: [] }));
    expect(error.problems.map((problem) => problem.path)).toEqual(
      expect.arrayContaining(['instances.x.saml2_validation.trusted_idps', 'instances.x.saml2_validation.audience']),
    );
  });
});
