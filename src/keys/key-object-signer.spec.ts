import { constants, generateKeyPairSync, verify } from 'node:crypto';
import { keyObjectSigner } from './key-object-signer';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const data = Buffer.from('<ds:SignedInfo>…</ds:SignedInfo>');

describe('keyObjectSigner', () => {
  it('signs RSASSA-PKCS1-v1_5 as node:crypto verifies it', async () => {
    const signature = await keyObjectSigner(rsa.privateKey).sign({ padding: 'pkcs1', hash: 'sha512' }, data);
    expect(verify('sha512', data, rsa.publicKey, signature)).toBe(true);
    expect(verify('sha256', data, rsa.publicKey, signature)).toBe(false);
  });

  it('signs RSASSA-PSS with a salt as long as the hash', async () => {
    const signature = await keyObjectSigner(rsa.privateKey).sign({ padding: 'pss', hash: 'sha256' }, data);
    const options = { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
    expect(verify('sha256', data, { ...options, saltLength: 32 }, signature)).toBe(true);
    expect(verify('sha256', data, { ...options, saltLength: 20 }, signature)).toBe(false);
  });

  it('signs ECDSA as r || s, the curve size each', async () => {
    const signature = await keyObjectSigner(ec.privateKey).sign({ padding: 'ecdsa', hash: 'sha384' }, data);
    expect(signature).toHaveLength(96);
    expect(verify('sha384', data, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('signs Ed25519 without a hash', async () => {
    const signature = await keyObjectSigner(ed.privateKey).sign({ padding: 'eddsa' }, data);
    expect(verify(null, data, ed.publicKey, signature)).toBe(true);
  });

  it('rejects, and does not throw, when the key cannot sign as asked', async () => {
    // A public key (thrown by node:crypto at once) and Ed25519 asked for a hash (reported by its callback).
    const refused = [keyObjectSigner(rsa.publicKey).sign({ padding: 'pkcs1', hash: 'sha256' }, data), keyObjectSigner(ed.privateKey).sign({ padding: 'ecdsa', hash: 'sha256' }, data)];
    for (const each of refused) await expect(each).rejects.toThrow();
  });
});
