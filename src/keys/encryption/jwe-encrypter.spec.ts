/**
 * The JWE around an issued token: made by jose 5's Node build (node:crypto), opened by jose 6
 * (what the STS's own validate and token_details use) for each kind of key, and never through
 * WebCrypto, whose per-step hand-offs to the thread pool cost twice the CPU per token.
 */
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { EncryptionConfig } from '../../realms/schema/encryption-config';
import type { JweContentEncryptionName, JweKeyManagementName } from '../jwe-algorithms';
import { JweEncrypter } from './jwe-encrypter';

const SIGNED_JWT = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEifQ.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

function config(algorithm: JweKeyManagementName, content_encryption: JweContentEncryptionName, options: Partial<EncryptionConfig> = {}): EncryptionConfig {
  return Object.assign(new EncryptionConfig(), { algorithm, content_encryption, ...options });
}

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const x25519 = generateKeyPairSync('x25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const aes256 = createSecretKey(randomBytes(32));
const cbc256 = createSecretKey(randomBytes(64));

const CASES: [JweKeyManagementName, JweContentEncryptionName, KeyObject, KeyObject][] = [
  ['ECDH-ES+A256KW', 'A256GCM', p256.publicKey, p256.privateKey],
  ['ECDH-ES', 'A128CBC-HS256', p521.publicKey, p521.privateKey],
  ['ECDH-ES+A128KW', 'A192GCM', x25519.publicKey, x25519.privateKey],
  ['RSA-OAEP-256', 'A256GCM', rsa.publicKey, rsa.privateKey],
  ['A256KW', 'A128GCM', aes256, aes256],
  ['A256GCMKW', 'A256CBC-HS512', aes256, aes256],
  ['dir', 'A256CBC-HS512', cbc256, cbc256],
];

describe('JweEncrypter', () => {
  it.each(CASES)('%s with %s: jose 6 decrypts the signed token, header alg, enc, cty and kid', async (alg, enc, key, decryptionKey) => {
    const token = await new JweEncrypter(config(alg, enc), () => ({ key, kid: 'enc-1' })).encrypt(SIGNED_JWT);

    const { plaintext, protectedHeader } = await compactDecrypt(token, decryptionKey, { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: [enc] });
    expect(new TextDecoder().decode(plaintext)).toBe(SIGNED_JWT);
    expect(protectedHeader).toMatchObject({ alg, enc, cty: 'JWT', kid: 'enc-1' });
  });

  it('two tokens for the same input differ (a fresh ephemeral key and content key each time)', async () => {
    const encrypter = new JweEncrypter(config('ECDH-ES+A256KW', 'A256GCM'), () => ({ key: p256.publicKey }));
    const [first, second] = await Promise.all([encrypter.encrypt(SIGNED_JWT), encrypter.encrypt(SIGNED_JWT)]);
    expect(first).not.toBe(second);
    expect(decodeProtectedHeader(first).epk).not.toEqual(decodeProtectedHeader(second).epk);
  });

  it('writes kid and x5t only as configured', async () => {
    const source = () => ({ key: p256.publicKey, kid: 'enc-1', x5t: 'dGh1bWJwcmludA' });
    const plain = await new JweEncrypter(config('ECDH-ES', 'A256GCM', { include_kid: false }), source).encrypt(SIGNED_JWT);
    const both = await new JweEncrypter(config('ECDH-ES', 'A256GCM', { include_x5t: true }), source).encrypt(SIGNED_JWT);
    expect(decodeProtectedHeader(plain)).not.toHaveProperty('kid');
    expect(decodeProtectedHeader(plain)).not.toHaveProperty('x5t');
    expect(decodeProtectedHeader(both)).toMatchObject({ kid: 'enc-1', x5t: 'dGh1bWJwcmludA' });
  });

  it('takes the key from an asynchronous source (a partner JWKS fetched on demand)', async () => {
    const token = await new JweEncrypter(config('ECDH-ES+A256KW', 'A256GCM'), async () => ({ key: p256.publicKey })).encrypt(SIGNED_JWT);
    expect(new TextDecoder().decode((await compactDecrypt(token, p256.privateKey)).plaintext)).toBe(SIGNED_JWT);
  });

  it('never goes through WebCrypto, for any kind of key', async () => {
    const subtle = globalThis.crypto.subtle;
    const methods = ['generateKey', 'deriveBits', 'deriveKey', 'importKey', 'exportKey', 'wrapKey', 'encrypt', 'digest', 'sign'] as const;
    const spies = methods.map((method) => jest.spyOn(subtle, method));
    try {
      for (const [alg, enc, key] of CASES) await new JweEncrypter(config(alg, enc), () => ({ key })).encrypt(SIGNED_JWT);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
