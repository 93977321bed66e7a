import 'reflect-metadata';
import { DOMParser } from '@xmldom/xmldom';
import type { StsInstanceContext, StsRealmContext } from '../../plugin-api/token-contract';
import { Saml2Config, Saml2EncryptionConfig } from '../../realms/schema/saml2-config';
import {
  certifiedTestKey,
  flipCharacter,
  instanceWith,
  itAnswersFalseForGarbage,
  makeKeyDir,
  providerHarness,
  realmWith,
} from '../../../test/support/token-provider-fixtures';
import { CLOCK_SKEW_MS } from './assertion-builder';
import { SAML_NS } from './assertion-namespaces';
import { Saml2TokenProvider } from './saml2.provider';

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
afterAll(() => keyDir.remove());

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
