/** The checks before any private-key operation, and the placements of the EncryptedKey we read. */
import { isStsError } from '../../errors/sts-errors';
import type { RealmKey } from '../../plugin-api/token-contract';
import { encryptedAssertionXml, SamlInputWorkshop, type KeyPair } from '../../../test/support/saml-input-documents';
import { XENC, XENC11 } from '../../../test/support/saml-names';
import { loadTestKey } from '../../../test/support/token-provider-fixtures';
import { decryptElement, decryptionKeyProblem } from './validation-decryption';
import { parseStrictXml } from './xml-safety';

const PLAINTEXT = '<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">alice</saml:NameID>';
let shop: SamlInputWorkshop;
let pair: KeyPair;
let key: RealmKey;
/** An EncryptedAssertion (of a NameID, which is enough here) that xmlsec1 made for `key`. */
let genuine: string;

beforeAll(async () => {
  shop = new SamlInputWorkshop();
  pair = shop.keyPair('enc');
  key = await loadTestKey({ kid: 'enc', use: 'enc', private_key_file: pair.key, certificate_file: pair.cert }, shop.dir);
  genuine = encryptedAssertionXml(shop.encrypt(PLAINTEXT, pair.cert));
});
afterAll(() => shop.remove());

const wrapperOf = (xml: string) => parseStrictXml(xml).documentElement!;

async function outcome(xml: string): Promise<string> {
  try {
    return (await decryptElement(wrapperOf(xml), key, 'EncryptedAssertion')).plaintext;
  } catch (error) {
    if (!isStsError(error)) throw error;
    return `${error.status} ${error.code}`;
  }
}

describe('decryptElement', () => {
  it('decrypts what xmlsec1 encrypted with the EncryptedKey in the EncryptedData KeyInfo', async () => {
    expect(await outcome(genuine)).toBe(PLAINTEXT);
  });

  it('finds the EncryptedKey beside the EncryptedData through a RetrievalMethod (the other SAML placement)', async () => {
    const encryptedKey = /<xenc:EncryptedKey>[\s\S]*<\/xenc:EncryptedKey>/.exec(genuine)![0];
    const peer = genuine
      .replace(encryptedKey, `<ds:RetrievalMethod URI="#_k1" Type="${XENC}EncryptedKey"/>`)
      .replace('</xenc:EncryptedData>', `</xenc:EncryptedData>${encryptedKey.replace('<xenc:EncryptedKey>', `<xenc:EncryptedKey xmlns:xenc="${XENC}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="_k1">`)}`);
    expect(peer).toContain('</xenc:EncryptedData><xenc:EncryptedKey');
    expect(await outcome(peer)).toBe(PLAINTEXT);
  });

  it.each<[string, (xml: string) => string, string]>([
    ['two EncryptedKeys', (xml) => xml.replace(/(<xenc:EncryptedKey>[\s\S]*<\/xenc:EncryptedKey>)/, '$1$1'), '401 saml_encryption_unsupported'],
    ['two EncryptedData', (xml) => xml.replace(/(<xenc:EncryptedData[\s\S]*<\/xenc:EncryptedData>)/, '$1$1'), '401 saml_encryption_unsupported'],
    ['no EncryptedData', () => encryptedAssertionXml(''), '401 saml_encryption_unsupported'],
    ['content encryption (Type Content)', (xml) => xml.replace(`Type="${XENC}Element"`, `Type="${XENC}Content"`), '401 saml_encryption_unsupported'],
    ['a CipherReference', (xml) => xml.replace(/<xenc:CipherData><xenc:CipherValue>[^<]*<\/xenc:CipherValue><\/xenc:CipherData><\/xenc:EncryptedData>/, '<xenc:CipherData><xenc:CipherReference URI="https://evil.test/c"/></xenc:CipherData></xenc:EncryptedData>'), '401 saml_encryption_unsupported'],
    ['an unknown OAEP digest', (xml) => xml.replace('http://www.w3.org/2000/09/xmldsig#sha1', 'http://www.w3.org/2001/04/xmldsig-more#sha384'), '401 saml_encryption_unsupported'],
    ['an MGF with rsa-oaep-mgf1p', (xml) => xml.replace('</xenc:EncryptionMethod><xenc:CipherData>', `<xenc11:MGF xmlns:xenc11="${XENC11}" Algorithm="${XENC11}mgf1sha256"/></xenc:EncryptionMethod><xenc:CipherData>`), '401 saml_encryption_unsupported'],
    ['RSA PKCS#1 v1.5 key transport', (xml) => xml.replace(`${XENC}rsa-oaep-mgf1p`, `${XENC}rsa-1_5`), '401 saml_weak_algorithm'],
    ['a key transport without algorithm', (xml) => xml.replace(`Algorithm="${XENC}rsa-oaep-mgf1p"`, ''), '401 saml_encryption_unsupported'],
    ['3DES content', (xml) => xml.replace(`${XENC11}aes256-gcm`, `${XENC}tripledes-cbc`), '401 saml_weak_algorithm'],
    ['AES key wrap in place of RSA', (xml) => xml.replace(`${XENC}rsa-oaep-mgf1p`, `${XENC}kw-aes256`), '401 saml_encryption_unsupported'],
    ['a wrapped key that is not the one used', (xml) => xml.replace(/(<xenc:EncryptedKey>[\s\S]*?<xenc:CipherValue>)(.)/, (_, head, c) => `${head}${c === 'A' ? 'B' : 'A'}`), '401 saml_decryption_failed'],
    ['content labelled AES-128-GCM but encrypted with AES-256-GCM', (xml) => xml.replace(`${XENC11}aes256-gcm`, `${XENC11}aes128-gcm`), '401 saml_decryption_failed'],
  ])('refuses %s', async (_, change, expected) => {
    const changed = change(genuine);
    expect(changed).not.toBe(genuine);
    expect(await outcome(changed)).toBe(expected);
  });
});

describe('decryptionKeyProblem', () => {
  const realmWithKey = (key: Partial<RealmKey>) => ({ path: '/', keys: { get: (kid: string) => (kid === 'k' ? ({ kid, ...key } as RealmKey) : undefined) } });

  it('accepts an RSA 2048 key with use enc', () => {
    expect(decryptionKeyProblem('k', realmWithKey({ use: 'enc', family: 'RSA', modulusBits: 2048 }))).toBeUndefined();
  });

  it.each<[string, Partial<RealmKey>, RegExp]>([
    ['a signing key', { use: 'sig', family: 'RSA', modulusBits: 2048 }, /use "sig"/],
    ['an EC key', { use: 'enc', family: 'EC' }, /needs an RSA key/],
    ['a shared secret', { use: 'enc', family: 'oct' }, /needs an RSA key/],
    ['RSA-1024', { use: 'enc', family: 'RSA', modulusBits: 1024 }, /RSA-1024; at least 2048 bits/],
  ])('refuses %s', (_, key, message) => {
    expect(decryptionKeyProblem('k', realmWithKey(key))).toMatch(message);
  });

  it('refuses a kid the realm does not have', () => {
    expect(decryptionKeyProblem('other', realmWithKey({}))).toBe('no key "other" in realm /');
  });
});
