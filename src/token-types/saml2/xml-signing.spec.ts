/**
 * Signing and encryption of assertions, checked by xmlsec1 (an independent XML security
 * implementation), not by the libraries that produced them.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLSerializer } from '@xmldom/xmldom';
import type { RealmKey } from '../../plugin-api/token-contract';
import { buildAssertion } from './assertion-builder';
import { decryptWithOaep256, schemaCheck, unwrapsWith, xmlsecDecrypt, xmlsecVerify } from '../../../test/support/saml-output-checks';
import { removeOpensslWorkDir } from '../../../test/support/openssl';
import { DATA_ENCRYPTION_ALGORITHMS, DATA_ENCRYPTION_NAMES, KEY_TRANSPORT_NAMES, SIGNATURE_ALGORITHM_NAMES, type SignatureAlgorithmName } from './xml-algorithms';
import { encryptXml, readSpCertificate, SpCertificateError } from './xml-encryption';
import { signAfterIssuer, signatureAlgorithmProblem, signatureOptionsOf, xmlSigningKeyProblem } from './xml-signing';

const ID_ATTR = ['--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion'];
let dir: string;
let n = 0;
const file = (content: string) => {
  const path = join(dir, `f${n++}.xml`);
  writeFileSync(path, content);
  return path;
};
const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
};
function makeKeyPair(name: string, newkey: string[]): { key: string; cert: string } {
  const key = join(dir, `${name}.key.pem`);
  const cert = join(dir, `${name}.crt.pem`);
  const result = run('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '2']);
  if (result.status !== 0) throw new Error(result.out);
  return { key, cert };
}

let signer: { key: string; cert: string };
let sp: { key: string; cert: string };
let realmKey: RealmKey;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'saml2-sign-'));
  signer = makeKeyPair('idp', ['-newkey', 'rsa:2048']);
  sp = makeKeyPair('sp', ['-newkey', 'rsa:2048']);
  const privateKey = createPrivateKey(readFileSync(signer.key));
  realmKey = {
    kid: 'rsa',
    use: 'sig',
    family: 'RSA',
    modulusBits: 2048,
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificate: new X509Certificate(readFileSync(signer.cert)),
  };
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeOpensslWorkDir();
});

function assertionXml(): string {
  const doc = buildAssertion({
    issuer: 'https://idp.test',
    audience: 'https://sp.test',
    recipient: 'https://sp.test/acs',
    nameId: { value: 'alice & <bob>', format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' },
    lifetimeSeconds: 300,
    subjectConfirmation: 'BEARER',
    authnInstant: new Date(),
    authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
    attributes: [{ name: 'mail', nameFormat: 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', values: [{ text: 'a@example.com', xsiType: 'xs:string' }] }],
  });
  return new XMLSerializer().serializeToString(doc);
}

describe('signAfterIssuer', () => {
  it('puts ds:Signature right after Issuer and xmlsec1 verifies it with the certificate', async () => {
    const signed = await signAfterIssuer(assertionXml(), realmKey);
    expect(signed).toMatch(/<\/saml:Issuer><ds:Signature xmlns:ds="http:\/\/www.w3.org\/2000\/09\/xmldsig#">/);
    expect(signed).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(signed).toContain('<ds:X509Certificate>');
    const ok = run('xmlsec1', ['--verify', '--pubkey-cert-pem', signer.cert, ...ID_ATTR, file(signed)]);
    expect(ok).toMatchObject({ status: 0 });
    const tampered = signed.replace('alice &amp; &lt;bob&gt;', 'mallory');
    expect(tampered).not.toBe(signed);
    expect(run('xmlsec1', ['--verify', '--pubkey-cert-pem', signer.cert, ...ID_ATTR, file(tampered)]).status).not.toBe(0);
  });
});

describe('signAfterIssuer with EC keys', () => {
  it.each([
    ['P-256', 'ecdsa-sha256', 64],
    ['P-384', 'ecdsa-sha384', 96],
    ['P-521', 'ecdsa-sha512', 132],
  ])('%s: %s (r || s, %i bytes) that xmlsec1 verifies with the certificate, and not once altered', async (curve, method, length) => {
    const pair = makeKeyPair(`ec-${curve}`, ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`]);
    const privateKey = createPrivateKey(readFileSync(pair.key));
    const ecKey: RealmKey = {
      kid: 'ec',
      use: 'sig',
      family: 'EC',
      curve,
      privateKey,
      publicKey: createPublicKey(privateKey),
      certificate: new X509Certificate(readFileSync(pair.cert)),
    };
    const signed = await signAfterIssuer(assertionXml(), ecKey);
    expect(signed).toContain(`Algorithm="http://www.w3.org/2001/04/xmldsig-more#${method}"`);
    const value = /<ds:SignatureValue>([^<]*)<\/ds:SignatureValue>/.exec(signed)![1];
    expect(Buffer.from(value.replace(/\s/g, ''), 'base64')).toHaveLength(length);
    const verified = run('xmlsec1', ['--verify', '--pubkey-cert-pem', pair.cert, ...ID_ATTR, file(signed)]);
    expect(verified).toMatchObject({ status: 0 });
    expect(run('xmlsec1', ['--verify', '--pubkey-cert-pem', pair.cert, ...ID_ATTR, file(signed.replace('a@example.com', 'b@example.com'))]).status).not.toBe(0);
  });
});

describe('xmlSigningKeyProblem', () => {
  const realm = (key: Partial<RealmKey>) => ({ path: '/', keys: { get: (kid: string) => (kid === 'k' ? ({ ...realmKey, ...key } as RealmKey) : undefined) } });
  it('accepts an active RSA signing key with a certificate', () => {
    expect(xmlSigningKeyProblem('k', realm({}))).toBeUndefined();
  });
  it.each(['P-256', 'P-384', 'P-521'])('accepts an EC %s signing key with a certificate', (curve) => {
    expect(xmlSigningKeyProblem('k', realm({ family: 'EC', curve }))).toBeUndefined();
  });
  it.each([
    ['missing', 'x', {}, /no key "x" in realm \//],
    ['retired', 'k', { retiredAt: new Date() }, /retired/],
    ['enc', 'k', { use: 'enc' as const }, /use "enc"/],
    ['EC off the NIST curves', 'k', { family: 'EC' as const, curve: 'secp256k1' }, /EC key on secp256k1; .*P-256, P-384 or P-521/],
    ['oct', 'k', { family: 'oct' as const }, /shared secret/],
    ['no certificate', 'k', { certificate: undefined }, /no certificate_file/],
  ])('refuses %s', (_name, kid, key, message) => {
    expect(xmlSigningKeyProblem(kid, realm(key))).toMatch(message);
  });
});

describe('encryptXml', () => {
  it('produces AES-256-GCM / RSA-OAEP EncryptedData that xmlsec1 decrypts with the SP key', async () => {
    const signed = await signAfterIssuer(assertionXml(), realmKey);
    const encrypted = await encryptXml(signed, await readSpCertificate(sp.cert, '/'));
    expect(encrypted).toContain('Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"');
    expect(encrypted).toContain('Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"');
    expect(encrypted).not.toContain('alice');
    const out = join(dir, `dec${n++}.xml`);
    const decrypted = run('xmlsec1', ['--decrypt', '--privkey-pem', sp.key, '--output', out, file(encrypted)]);
    expect(decrypted).toMatchObject({ status: 0 });
    const plain = readFileSync(out, 'utf8');
    expect(plain).toContain('alice &amp; &lt;bob&gt;');
    expect(run('xmlsec1', ['--verify', '--pubkey-cert-pem', signer.cert, ...ID_ATTR, out]).status).toBe(0);
  });

  it('refuses unreadable, non-certificate and non-RSA SP certificates', async () => {
    await expect(readSpCertificate('nope.pem', dir)).rejects.toThrow(`nope.pem: file not found (relative to the configuration directory ${dir})`);
    await expect(readSpCertificate(sp.key, '/')).rejects.toThrow(SpCertificateError);
    const ec = makeKeyPair('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    await expect(readSpCertificate(ec.cert, '/')).rejects.toThrow(/ec key; .*RSA certificate/);
  });
});

describe('signature_algorithm and digest_algorithm', () => {
  let ecKey: RealmKey;
  let ecCert: string;
  beforeAll(() => {
    const pair = makeKeyPair('ec-choice', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const privateKey = createPrivateKey(readFileSync(pair.key));
    ecCert = pair.cert;
    ecKey = { kid: 'ec', use: 'sig', family: 'EC', curve: 'P-256', privateKey, publicKey: createPublicKey(privateKey), certificate: new X509Certificate(readFileSync(pair.cert)) };
  });

  const cases = SIGNATURE_ALGORITHM_NAMES.flatMap((algorithm) => (['sha256', 'sha512'] as const).map((digest) => [algorithm, digest] as const));
  it.each(cases)('%s with a %s digest: the methods named in SignedInfo, verified by xmlsec1, refused once altered', async (algorithm, digest) => {
    const rsa = algorithm.startsWith('rsa');
    const key = rsa ? realmKey : ecKey;
    const cert = rsa ? signer.cert : ecCert;
    const signed = await signAfterIssuer(assertionXml(), key, signatureOptionsOf({ signature_algorithm: algorithm, digest_algorithm: digest }));
    expect(signed).toContain(`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#${algorithm}"/>`);
    expect(signed).toContain(`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#${digest}"/>`);
    expect(xmlsecVerify(signed, cert)).toEqual([0, expect.stringContaining('OK')]);
    expect(xmlsecVerify(signed.replace('a@example.com', 'b@example.com'), cert)[0]).not.toBe(0);
    expect(schemaCheck(signed)).toEqual([0, expect.stringContaining('validates')]);
  });

  it('defaults to the method the key implies and a SHA-256 digest', async () => {
    expect(signatureOptionsOf({ signature_algorithm: undefined, digest_algorithm: 'sha256' })).toEqual({ digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
    const signed = await signAfterIssuer(assertionXml(), ecKey, signatureOptionsOf({ signature_algorithm: undefined, digest_algorithm: 'sha256' }));
    expect(signed).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"');
  });

  it.each([
    ['rsa-sha256', 'EC', /rsa-sha256 signs with an RSA key, and key "k" is EC/],
    ['rsa-sha512', 'EC', /rsa-sha512 signs with an RSA key/],
    ['ecdsa-sha256', 'RSA', /ecdsa-sha256 signs with an EC key, and key "k" is RSA/],
    ['ecdsa-sha512', 'RSA', /an EC key/],
  ] as const)('refuses %s with an %s key', (algorithm, family, message) => {
    expect(signatureAlgorithmProblem(algorithm as SignatureAlgorithmName, { ...realmKey, kid: 'k', family })).toMatch(message);
  });

  it.each(SIGNATURE_ALGORITHM_NAMES)('accepts %s with a key of its family', (algorithm) => {
    expect(signatureAlgorithmProblem(algorithm, { ...realmKey, family: algorithm.startsWith('rsa') ? 'RSA' : 'EC' })).toBeUndefined();
  });
});

describe('encryption algorithms', () => {
  const cases = DATA_ENCRYPTION_NAMES.flatMap((data) => KEY_TRANSPORT_NAMES.map((keyTransport) => [data, keyTransport] as const));
  it.each(cases)('%s content, %s key transport: decrypted by xmlsec1 (with openssl for xmlenc11 rsa-oaep) to the signed assertion', async (data, keyTransport) => {
    const signed = await signAfterIssuer(assertionXml(), realmKey);
    const encrypted = await encryptXml(signed, await readSpCertificate(sp.cert, '/'), { data, keyTransport });
    const wrapper = `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${encrypted}</saml:EncryptedAssertion>`;
    expect(encrypted).toContain(`Algorithm="${DATA_ENCRYPTION_ALGORITHMS[data]}"`);
    expect(encrypted).not.toContain('alice');
    const [schemaStatus, schemaOutput] = schemaCheck(wrapper);
    if (keyTransport === 'rsa-oaep') {
      // The schema fixtures hold XML Encryption 1.0 only: its EncryptionMethod admits other
      // namespaces' elements strictly, and xenc11:MGF has no declaration there. Nothing else fails.
      const errors = schemaOutput.split('\n').filter((line) => line.includes('error'));
      expect(errors).toEqual([expect.stringContaining("'{http://www.w3.org/2009/xmlenc11#}MGF': No matching global element declaration")]);
    } else {
      expect([schemaStatus, schemaOutput]).toEqual([0, expect.stringContaining('validates')]);
    }
    let plain: string;
    if (keyTransport === 'rsa-oaep') {
      expect(encrypted).toContain('Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"');
      expect(encrypted).toContain('<MGF xmlns="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"');
      expect(encrypted).toContain('<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"');
      // The MGF1 digest really is SHA-256: with MGF1-SHA-1, or a SHA-1 OAEP digest, nothing unwraps.
      expect(unwrapsWith(wrapper, sp.key, 'sha256', 'sha1')).toBe(false);
      expect(unwrapsWith(wrapper, sp.key, 'sha1', 'sha1')).toBe(false);
      plain = decryptWithOaep256(wrapper, sp.key);
    } else {
      expect(encrypted).toContain('Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"');
      expect(encrypted).not.toContain('xenc11#mgf');
      plain = xmlsecDecrypt(wrapper, sp.key);
    }
    expect(plain).toContain('alice &amp; &lt;bob&gt;');
    expect(xmlsecVerify(plain, signer.cert)).toEqual([0, expect.stringContaining('OK')]);
  });
});
