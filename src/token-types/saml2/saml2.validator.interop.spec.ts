/**
 * SAML2 input as IdPs send it, made by software we did not write: samlp:Responses with
 * InResponseTo and a Status, assertions signed by xmlsec1 and encrypted by xmlsec1 (AES-CBC,
 * AES-GCM, RSA-OAEP) or openssl (xmlenc 1.1 RSA-OAEP SHA-256), assertions signed with RSA-PSS by
 * the JDK's XML Signature API (xmlsec1 1.2 cannot), and samlify acting as the IdP with our
 * instance as its SP. Each bad input is refused with its status and code.
 */
import 'reflect-metadata';
import { samlify } from '../../../test/support/samlify';
import { readFileSync } from 'node:fs';
import type { JsonObject } from '../../plugin-api/json';
import type { StsInstanceContext, StsRealmContext, TokenValidationResult } from '../../plugin-api/token-contract';
import { Saml2ValidationConfig, TrustedIdpConfig } from '../../realms/schema/saml2-validation-config';
import { InMemoryReplayGuard } from '../../../test/support/in-memory-replay-guard';
import { refusalOf as refusal } from '../../../test/support/sts-refusal';
import {
  assertionTemplate,
  DATA,
  encryptedAssertionXml,
  responseXml,
  SamlInputWorkshop,
  TRANSPORT,
  type AssertionOptions,
  type KeyPair,
} from '../../../test/support/saml-input-documents';
import { SAML } from '../../../test/support/saml-names';
import { certifiedTestKey, instanceWith, loadTestKey, realmWith } from '../../../test/support/token-provider-fixtures';
import { RSA_PSS_SHA256, signWithJdkRsaPss } from '../../../test/interop/jdk/jdk-xmldsig';
import { Saml2TokenValidator } from './saml2.validator';


const IDP = 'https://idp.test/saml';
const AUDIENCE = 'https://sts.test/saml';
const RECIPIENT = 'https://sts.test/rest-sts/saml';
const REQUEST = '_request-4a7c0e2b';
const RESPONDER = 'urn:oasis:names:tc:SAML:2.0:status:Responder';
const AUTHN_FAILED = 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed';

const validator = new Saml2TokenValidator();
let shop: SamlInputWorkshop;
let idp: KeyPair;
let attacker: KeyPair;
let encryption: KeyPair;
let otherEncryption: KeyPair;
let realm: StsRealmContext;
let decrypting: StsInstanceContext;
let plain: StsInstanceContext;
let requiring: StsInstanceContext;

async function samlInstance(settings: Partial<Saml2ValidationConfig> = {}, at = realm): Promise<StsInstanceContext> {
  const instance = instanceWith({
    saml2_validation: Object.assign(new Saml2ValidationConfig(), {
      trusted_idps: [Object.assign(new TrustedIdpConfig(), { entity_id: IDP, certificate_file: idp.cert })],
      audience: AUDIENCE,
      recipients: [RECIPIENT],
      ...settings,
    }),
  });
  expect(await validator.checkConfiguration({ realm: at, instance })).toEqual([]);
  return instance;
}

beforeAll(async () => {
  shop = new SamlInputWorkshop();
  idp = shop.keyPair('idp');
  attacker = shop.keyPair('attacker');
  encryption = shop.keyPair('sts-enc');
  otherEncryption = shop.keyPair('other-enc');
  const decryptionKey = await loadTestKey({ kid: 'enc-1', use: 'enc', private_key_file: encryption.key, certificate_file: encryption.cert }, shop.dir);
  realm = realmWith([decryptionKey], shop.dir);
  decrypting = await samlInstance({ decryption_key: 'enc-1' });
  plain = await samlInstance();
  requiring = await samlInstance({ decryption_key: 'enc-1', require_in_response_to: true });
});
afterAll(() => shop.remove());

function validate(token: string, state: JsonObject = {}, instance = decrypting): Promise<TokenValidationResult> {
  return Promise.resolve(
    validator.validateToken({
      inputTokenType: 'SAML2',
      inputTokenState: { token_type: 'SAML2', saml2_token: token, ...state },
      realm,
      instance,
      request: { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [] },
      replayGuard: new InMemoryReplayGuard(),
    }),
  );
}

const expectRefused = async (work: Promise<unknown>, status: number, code: string) =>
  expect(await refusal(work)).toMatchObject({ status, code });

const assertion = (o: Partial<AssertionOptions> = {}) => assertionTemplate({ issuer: IDP, audience: AUDIENCE, recipient: RECIPIENT, ...o });
const signed = (o: Partial<AssertionOptions> = {}, signer = idp) => shop.sign(assertion(o), signer);
const response = (inner: string, o: { inResponseTo?: string; destination?: string; status?: [string, string?]; statusMessage?: string } = {}) =>
  responseXml(inner, { issuer: IDP, destination: RECIPIENT, ...o });
/** A signed assertion, encrypted by xmlsec1 to `cert`, as an EncryptedAssertion. */
const encrypted = (xml: string, o: { data?: string; transport?: string; cert?: string } = {}) =>
  encryptedAssertionXml(shop.encrypt(xml, o.cert ?? encryption.cert, o));

describe('Responses and InResponseTo', () => {
  it('accepts a Response answering the request the caller expects (Response and bearer confirmation agree)', async () => {
    const token = response(signed({ nameId: 'sp-init@idp.test', inResponseTo: REQUEST }), { inResponseTo: REQUEST });
    expect(await validate(token, { in_response_to: REQUEST })).toMatchObject({ principal: 'sp-init@idp.test', issuer: IDP });
  });

  it('accepts a bare assertion whose signed bearer confirmation answers the request', async () => {
    expect(await validate(signed({ nameId: 'bare@idp.test', inResponseTo: REQUEST }), { in_response_to: REQUEST })).toMatchObject({ principal: 'bare@idp.test' });
  });

  it('a caller that tracks no request accepts answers and unsolicited assertions alike', async () => {
    expect(await validate(response(signed({ inResponseTo: REQUEST }), { inResponseTo: REQUEST }))).toMatchObject({ principal: 'alice@idp.test' });
    expect(await validate(signed())).toMatchObject({ principal: 'alice@idp.test' });
  });

  it('an answer to another request -> 401 saml_in_response_to_mismatch, naming both', async () => {
    const result = await refusal(validate(response(signed({ inResponseTo: '_other' }), { inResponseTo: '_other' }), { in_response_to: REQUEST }));
    expect(result).toMatchObject({ status: 401, code: 'saml_in_response_to_mismatch' });
    expect(result.message).toContain('"_other"');
    expect(result.message).toContain(`"${REQUEST}"`);
  });

  it('the Response naming another request than its assertion -> 401 saml_in_response_to_mismatch', async () => {
    await expectRefused(validate(response(signed({ inResponseTo: REQUEST }), { inResponseTo: '_other' }), { in_response_to: REQUEST }), 401, 'saml_in_response_to_mismatch');
  });

  it('InResponseTo missing where a request is expected -> 401 saml_in_response_to_mismatch', async () => {
    // Unsolicited: nowhere.
    await expectRefused(validate(response(signed()), { in_response_to: REQUEST }), 401, 'saml_in_response_to_mismatch');
    await expectRefused(validate(signed(), { in_response_to: REQUEST }), 401, 'saml_in_response_to_mismatch');
    // On the Response only: not signed, so an unsolicited assertion re-wrapped by anyone.
    const rewrapped = await refusal(validate(response(signed(), { inResponseTo: REQUEST }), { in_response_to: REQUEST }));
    expect(rewrapped).toMatchObject({ status: 401, code: 'saml_in_response_to_mismatch' });
    expect(rewrapped.message).toContain('not signed');
  });

  it('the signed InResponseTo changed after signing -> 401 saml_signature_invalid', async () => {
    const genuine = signed({ inResponseTo: '_other' });
    await expectRefused(validate(genuine.replace('InResponseTo="_other"', `InResponseTo="${REQUEST}"`), { in_response_to: REQUEST }), 401, 'saml_signature_invalid');
  });

  it.each<[string, unknown]>([
    ['starting with a digit', '1abc'],
    ['with a space', 'a b'],
    ['with a colon (not an NCName)', 'a:b'],
    ['empty', ''],
    ['a number', 42],
    ['too long', `_${'a'.repeat(300)}`],
  ])('an in_response_to that is not an xs:ID (%s) -> 400 invalid_in_response_to', async (_, value) => {
    await expectRefused(validate(signed({ inResponseTo: REQUEST }), { in_response_to: value as string }), 400, 'invalid_in_response_to');
  });

  it('require_in_response_to: a request without in_response_to -> 400 invalid_in_response_to; with it, accepted', async () => {
    const result = await refusal(validate(response(signed({ inResponseTo: REQUEST }), { inResponseTo: REQUEST }), {}, requiring));
    expect(result).toMatchObject({ status: 400, code: 'invalid_in_response_to' });
    expect(result.message).toContain('required by this instance');
    expect(await validate(response(signed({ inResponseTo: REQUEST })), { in_response_to: REQUEST }, requiring)).toMatchObject({ principal: 'alice@idp.test' });
  });

  it('a Response whose Status is not Success -> 401 saml_status_not_success, with the status codes and message', async () => {
    const failed = response('', { status: [RESPONDER, AUTHN_FAILED], statusMessage: 'wrong password', inResponseTo: REQUEST });
    const result = await refusal(validate(failed, { in_response_to: REQUEST }));
    expect(result).toMatchObject({ status: 401, code: 'saml_status_not_success' });
    expect(result.message).toContain(RESPONDER);
    expect(result.message).toContain(AUTHN_FAILED);
    expect(result.message).toContain('wrong password');
    // Even with a valid assertion inside.
    await expectRefused(validate(response(signed(), { status: [RESPONDER] })), 401, 'saml_status_not_success');
  });

  it('a Response without any assertion -> 401 saml_signature_invalid', async () => {
    await expectRefused(validate(response('')), 401, 'saml_signature_invalid');
  });
});

describe('RSA-PSS (sha256-rsa-MGF1), signed by the JDK XML Signature API', () => {
  const pssSigned = (o: Partial<AssertionOptions> = {}, signer = idp) => signWithJdkRsaPss(assertion({ ...o, signed: false }), signer.key, signer.cert);

  it('accepts the assertion, bare and in a Response', async () => {
    const token = pssSigned({ nameId: 'pss@idp.test', inResponseTo: REQUEST });
    expect(token).toContain(`<ds:SignatureMethod Algorithm="${RSA_PSS_SHA256}"/>`);
    expect(await validate(token)).toMatchObject({ principal: 'pss@idp.test', issuer: IDP });
    expect(await validate(response(pssSigned({ nameId: 'pss-response@idp.test' })))).toMatchObject({ principal: 'pss-response@idp.test' });
  });

  it('changed after signing, or signed by another key -> 401 saml_signature_invalid', async () => {
    const genuine = pssSigned({ nameId: 'user@idp.test' });
    await expectRefused(validate(genuine.replace('user@idp.test</saml:NameID>', 'admin@idp.test</saml:NameID>')), 401, 'saml_signature_invalid');
    await expectRefused(validate(pssSigned({ nameId: 'admin@idp.test' }, attacker)), 401, 'saml_signature_invalid');
  });

  it('the PSS signature value relabelled RSA-SHA256 (PKCS#1 v1.5) -> 401 saml_signature_invalid', async () => {
    const relabelled = pssSigned().replace(RSA_PSS_SHA256, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    await expectRefused(validate(relabelled), 401, 'saml_signature_invalid');
  });
});

describe('EncryptedAssertion, encrypted by xmlsec1', () => {
  it.each([
    ['AES-256-GCM', DATA.aes256gcm],
    ['AES-128-GCM', DATA.aes128gcm],
    ['AES-256-CBC', DATA.aes256cbc],
    ['AES-128-CBC', DATA.aes128cbc],
  ])('accepts a signed assertion encrypted with %s and RSA-OAEP (mgf1p) in a Response', async (_, data) => {
    const token = response(encrypted(signed({ nameId: `enc-${data.length}@idp.test`, inResponseTo: REQUEST }), { data }), { inResponseTo: REQUEST });
    expect(token).toContain(`Algorithm="${data}"`);
    expect(token).not.toContain('enc-');
    expect(await validate(token, { in_response_to: REQUEST })).toMatchObject({ principal: `enc-${data.length}@idp.test`, issuer: IDP });
  });

  it('accepts xmlenc 1.1 RSA-OAEP with SHA-256 and MGF1-SHA-256 (key wrapped by openssl)', async () => {
    const token = encryptedAssertionXml(shop.encryptRsaOaep11(signed({ nameId: 'oaep11@idp.test' }), encryption.cert));
    expect(token).toContain('xmlenc11#mgf1sha256');
    expect(await validate(token)).toMatchObject({ principal: 'oaep11@idp.test' });
  });

  it('accepts a bare EncryptedAssertion, attributes and all, and base64 of it', async () => {
    const token = encrypted(signed({ nameId: 'bare-enc@idp.test', attributes: { mail: 'bare-enc@idp.test', role: 'admin' } }));
    expect(await validate(token)).toMatchObject({ principal: 'bare-enc@idp.test', session: { attributes: { mail: 'bare-enc@idp.test', role: 'admin' } } });
    expect(await validate(Buffer.from(encrypted(signed({ nameId: 'b64@idp.test' }))).toString('base64'))).toMatchObject({ principal: 'b64@idp.test' });
  });

  it('what we accept is what xmlsec1 decrypts', async () => {
    const inner = signed({ nameId: 'same@idp.test' });
    const token = encrypted(inner);
    expect(shop.decrypt(token, encryption.key)).toBe(`<saml:EncryptedAssertion xmlns:saml="${SAML}">${inner}</saml:EncryptedAssertion>`);
    expect(await validate(token)).toMatchObject({ principal: 'same@idp.test' });
  });

  it('the same assertion again, encrypted anew, is a replay -> 401 saml_assertion_replayed', async () => {
    const inner = signed({ nameId: 'once@idp.test' });
    const guard = new InMemoryReplayGuard();
    const run = (token: string) =>
      validator.validateToken({
        inputTokenType: 'SAML2',
        inputTokenState: { token_type: 'SAML2', saml2_token: token },
        realm,
        instance: decrypting,
        request: { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [] },
        replayGuard: guard,
      });
    expect(await run(encrypted(inner))).toMatchObject({ principal: 'once@idp.test' });
    await expectRefused(run(encrypted(inner)), 401, 'saml_assertion_replayed');
  });

  it('no decryption_key configured -> 401 saml_assertion_encrypted, saying how to configure one', async () => {
    const result = await refusal(validate(response(encrypted(signed())), {}, plain));
    expect(result).toMatchObject({ status: 401, code: 'saml_assertion_encrypted' });
    expect(result.message).toContain('saml2_validation.decryption_key');
  });

  it('RSA PKCS#1 v1.5 key transport -> 401 saml_weak_algorithm, before any decryption', async () => {
    const token = response(encrypted(signed(), { transport: TRANSPORT.rsa15 }));
    expect(token).toContain('rsa-1_5');
    await expectRefused(validate(token), 401, 'saml_weak_algorithm');
    // Also when encrypted to another key: the algorithm is refused before the key is used.
    await expectRefused(validate(response(encrypted(signed(), { transport: TRANSPORT.rsa15, cert: otherEncryption.cert }))), 401, 'saml_weak_algorithm');
  });

  it('3DES content -> 401 saml_weak_algorithm; AES-192-GCM (not offered) -> 401 saml_encryption_unsupported', async () => {
    await expectRefused(validate(encrypted(signed(), { data: DATA.tripledes })), 401, 'saml_weak_algorithm');
    await expectRefused(validate(encrypted(signed(), { data: DATA.aes192gcm })), 401, 'saml_encryption_unsupported');
  });

  it('encrypted to another key -> 401 saml_decryption_failed, with nothing about padding', async () => {
    for (const data of [DATA.aes256gcm, DATA.aes256cbc]) {
      const result = await refusal(validate(response(encrypted(signed(), { data, cert: otherEncryption.cert }))));
      expect(result).toMatchObject({ status: 401, code: 'saml_decryption_failed' });
      expect(result.message).not.toMatch(/padding|oaep|decoding/i);
    }
  });

  it('a changed ciphertext -> 401 saml_decryption_failed (GCM: the tag; CBC: the same answer whatever it decrypts to)', async () => {
    for (const data of [DATA.aes256gcm, DATA.aes256cbc]) {
      const token = encrypted(signed(), { data });
      // The content's CipherValue is the last one; change a character in its first (IV) block.
      const at = token.lastIndexOf('<xenc:CipherValue>') + '<xenc:CipherValue>'.length + 4;
      const changed = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      await expectRefused(validate(changed), 401, 'saml_decryption_failed');
    }
  });

  it('a DOCTYPE in the decrypted content -> 400 saml_dtd_forbidden (GCM), 401 saml_decryption_failed (CBC)', async () => {
    const xxe = `<!DOCTYPE saml:Assertion [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${signed()}`;
    await expectRefused(validate(encryptedAssertionXml(shop.encryptBytes(xxe, encryption.cert, DATA.aes256gcm))), 400, 'saml_dtd_forbidden');
    await expectRefused(validate(encryptedAssertionXml(shop.encryptBytes(xxe, encryption.cert, DATA.aes256cbc))), 401, 'saml_decryption_failed');
  });

  it('decrypted content that is not one saml:Assertion -> 401 malformed_saml (GCM)', async () => {
    await expectRefused(validate(encrypted(response(signed()))), 401, 'malformed_saml');
    await expectRefused(validate(encryptedAssertionXml(shop.encryptBytes('not xml', encryption.cert))), 400, 'malformed_saml');
  });

  it('an unsigned assertion inside the encryption -> 401 saml_assertion_unsigned (GCM), saml_decryption_failed (CBC)', async () => {
    await expectRefused(validate(response(encrypted(assertion({ signed: false })))), 401, 'saml_assertion_unsigned');
    await expectRefused(validate(response(encrypted(assertion({ signed: false }), { data: DATA.aes128cbc }))), 401, 'saml_decryption_failed');
  });

  it('an assertion signed by another key inside the encryption -> 401 saml_signature_invalid', async () => {
    await expectRefused(validate(response(encrypted(signed({ nameId: 'admin@idp.test' }, attacker)))), 401, 'saml_signature_invalid');
  });

  it('two EncryptedAssertions, or an EncryptedAssertion beside an Assertion -> 401 saml_signature_invalid', async () => {
    await expectRefused(validate(response(encrypted(signed()) + encrypted(signed()))), 401, 'saml_signature_invalid');
    await expectRefused(validate(response(encrypted(signed()) + signed())), 401, 'saml_signature_invalid');
    await expectRefused(validate(response(signed() + encrypted(signed()))), 401, 'saml_signature_invalid');
  });

  it('an encrypted Response addressed elsewhere -> 401 saml_destination_mismatch, before decryption', async () => {
    await expectRefused(validate(response(encrypted(signed()), { destination: 'https://other.test/acs' })), 401, 'saml_destination_mismatch');
  });

  it('a document over max_document_bytes -> 400 saml_document_too_large, before decryption', async () => {
    const small = await samlInstance({ decryption_key: 'enc-1', max_document_bytes: 1024 });
    await expectRefused(validate(encrypted(signed()), {}, small), 400, 'saml_document_too_large');
  });
});

describe('EncryptedID and EncryptedAttribute inside a signed assertion', () => {
  /** xmlsec1 encrypts the element, then signs the assertion around it (the ciphertext is signed). */
  const signedWith = (nodeName: string, o: Partial<AssertionOptions>) => shop.sign(shop.encrypt(assertion(o), encryption.cert, { nodeName }), idp);

  it('decrypts the NameID and attributes after the signature verified', async () => {
    const withId = signedWith(`${SAML}:NameID`, { nameId: 'hidden@idp.test', attributes: { role: 'staff' }, encryptedIdWrapper: true });
    expect(withId).toContain('<saml:EncryptedID><xenc:EncryptedData');
    expect(withId).not.toContain('hidden@idp.test');
    expect(await validate(withId)).toMatchObject({ principal: 'hidden@idp.test' });

    const withAttribute = signedWith(`${SAML}:Attribute`, { attributes: { role: 'auditor' }, encryptedAttributeWrapper: true });
    expect(withAttribute).not.toContain('auditor');
    expect(await validate(withAttribute)).toMatchObject({ session: { attributes: { role: 'auditor' } } });
  });

  it('without decryption_key -> 401 saml_assertion_encrypted', async () => {
    const withId = signedWith(`${SAML}:NameID`, { encryptedIdWrapper: true });
    const result = await refusal(validate(withId, {}, plain));
    expect(result).toMatchObject({ status: 401, code: 'saml_assertion_encrypted' });
    expect(result.message).toContain('EncryptedID');
  });
});

describe('samlify as the IdP, our instance as its SP', () => {
  const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

  function samlifyResponse(inResponseTo: string, dataEncryptionAlgorithm: string): Promise<{ context: string }> {
    // samlify reads the algorithms from its settings, but its types do not declare them.
    const algorithms = { dataEncryptionAlgorithm, keyEncryptionAlgorithm: TRANSPORT.oaepMgf1p };
    const identityProvider = samlify.IdentityProvider({
      entityID: IDP,
      signingCert: readFileSync(idp.cert, 'utf8'),
      privateKey: readFileSync(idp.key, 'utf8'),
      isAssertionEncrypted: true,
      ...algorithms,
      singleSignOnService: [{ Binding: POST, Location: 'https://idp.test/sso' }],
      singleLogoutService: [{ Binding: POST, Location: 'https://idp.test/slo' }],
      nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    });
    // What samlify knows of us: entity ID, where Responses go, the certificate to encrypt to.
    const us = samlify.ServiceProvider({
      entityID: AUDIENCE,
      wantAssertionsSigned: true,
      encryptCert: readFileSync(encryption.cert, 'utf8'),
      assertionConsumerService: [{ Binding: POST, Location: RECIPIENT }],
    });
    return identityProvider.createLoginResponse(us, { extract: { request: { id: inResponseTo } } }, 'post', { email: 'samlify@idp.test' }) as Promise<{
      context: string;
    }>;
  }

  it('accepts its signed, encrypted Response answering our request (AES-128-GCM and AES-256-GCM)', async () => {
    for (const data of [DATA.aes128gcm, DATA.aes256gcm]) {
      const { context } = await samlifyResponse(REQUEST, data);
      const xml = Buffer.from(context, 'base64').toString('utf8');
      expect(xml).toContain('EncryptedAssertion');
      expect(xml).toContain(`Algorithm="${data}"`);
      expect(xml).toContain(`InResponseTo="${REQUEST}"`);
      expect(await validate(context, { in_response_to: REQUEST })).toMatchObject({ principal: 'samlify@idp.test', issuer: IDP });
    }
  });

  it('its answer to another request -> 401 saml_in_response_to_mismatch', async () => {
    const { context } = await samlifyResponse('_another-request', DATA.aes256gcm);
    await expectRefused(validate(context, { in_response_to: REQUEST }), 401, 'saml_in_response_to_mismatch');
  });
});

describe('saml2_validation.decryption_key at load', () => {
  it.each<[string, string, RegExp]>([
    ['a kid the realm does not have', 'nope', /no key "nope" in realm \//],
    ['a signing key', 'sig-rsa', /has use "sig"; decryption needs a key with use "enc"/],
    ['an EC key', 'enc-ec', /is a EC key; XML decryption uses RSA-OAEP key transport and needs an RSA key/],
  ])('refuses %s, naming the key', async (_, kid, message) => {
    const ec = await loadTestKey({ kid: 'enc-ec', use: 'enc', generate: { type: 'ec', curve: 'P-256' } } as never, shop.dir);
    const sig = await certifiedTestKey(shop.dir, { name: 'sig-rsa', newkey: ['-newkey', 'rsa:2048'] });
    const at = realmWith([ec, sig], shop.dir);
    const instance = instanceWith({
      saml2_validation: Object.assign(new Saml2ValidationConfig(), {
        trusted_idps: [Object.assign(new TrustedIdpConfig(), { entity_id: IDP, certificate_file: idp.cert })],
        audience: AUDIENCE,
        recipients: [RECIPIENT],
        decryption_key: kid,
      }),
    });
    const problems = await validator.checkConfiguration({ realm: at, instance });
    expect(problems).toEqual([{ path: 'saml2_validation.decryption_key', message: expect.stringMatching(message) }]);
  });
});
