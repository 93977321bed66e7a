/**
 * Equivalence with jose: for every input algorithm, key type and curve, JWK restriction and
 * tampering, node:crypto verification accepts exactly the tokens jose's compactVerify accepts
 * through a local key set with the same algorithm pinned (what this service used before).
 */
import 'reflect-metadata';
import { createSecretKey, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { SignJWT, compactVerify, createLocalJWKSet, exportJWK, type JWK } from 'jose';
import { INPUT_JWT_ALGORITHMS } from '../../realms/schema/oidc-validation-config';
import { refusalOf } from '../../../test/support/sts-refusal';
import { verifySignature } from './signature-verification';

type Pair = { privateKey: KeyObject; publicKey: KeyObject };
/** Outside issuers' algorithms; HS* (a realm's own secret only) is compared with jose's HMAC check below. */
const PUBLIC_KEY_ALGORITHMS = INPUT_JWT_ALGORITHMS.filter((alg) => !alg.startsWith('HS'));
const pairs: Record<string, Pair> = {
  'RSA 2048': generateKeyPairSync('rsa', { modulusLength: 2048 }),
  'RSA 1024': generateKeyPairSync('rsa', { modulusLength: 1024 }),
  'P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  'P-521': generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  Ed25519: generateKeyPairSync('ed25519'),
};
/** The key each algorithm is signed with. */
const SIGNER: Record<string, string> = { RS256: 'RSA 2048', RS384: 'RSA 2048', RS512: 'RSA 2048', PS256: 'RSA 2048', PS384: 'RSA 2048', PS512: 'RSA 2048', ES256: 'P-256', ES384: 'P-384', ES512: 'P-521', EdDSA: 'Ed25519' };
/** JWK members that restrict use, as an issuer may publish them. */
const RESTRICTIONS: Record<string, (alg: string) => object> = {
  none: () => ({}),
  'use sig': () => ({ use: 'sig' }),
  'use enc': () => ({ use: 'enc' }),
  'alg same': (alg) => ({ alg }),
  'alg other': (alg) => ({ alg: alg === 'RS256' ? 'PS256' : 'RS256' }),
  'key_ops verify': () => ({ key_ops: ['verify'] }),
  'key_ops sign': () => ({ key_ops: ['sign'] }),
  'key_ops twice': () => ({ key_ops: ['verify', 'verify'] }),
  'ext true': () => ({ ext: true }),
  'ext string': () => ({ ext: 'yes' }),
};

async function joseAccepts(token: string, alg: string, jwk: JWK): Promise<boolean> {
  try {
    await compactVerify(token, createLocalJWKSet({ keys: [jwk] }), { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}

async function weAccept(token: string, alg: string, jwk: JWK): Promise<boolean> {
  try {
    await verifySignature(token, alg, 'k', [Object.freeze({ ...jwk })]);
    return true;
  } catch (error) {
    await refusalOf(Promise.reject(error)); // a refusal, never another error
    return false;
  }
}

const tokenFor = (alg: string) => new SignJWT({ sub: 'a' }).setProtectedHeader({ alg, kid: 'k' }).sign(pairs[SIGNER[alg]].privateKey);

function tamperings(token: string, alg: string): Record<string, string> {
  const [header, payload, signature] = token.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 1] ^= 1;
  const ecdsa = alg.startsWith('ES');
  const der = ecdsa && nodeSign(`sha${alg.slice(2)}`, Buffer.from(`${header}.${payload}`), pairs[SIGNER[alg]].privateKey);
  return {
    'bit flipped': `${header}.${payload}.${flipped.toString('base64url')}`,
    truncated: `${header}.${payload}.${bytes.subarray(1).toString('base64url')}`,
    'one character more': `${header}.${payload}.${signature}A`,
    'three characters more': `${header}.${payload}.${signature}AAA`,
    ...(der && { 'ECDSA signature in DER': `${header}.${payload}.${der.toString('base64url')}` }),
    'other payload': `${header}.${Buffer.from('{"sub":"b"}').toString('base64url')}.${signature}`,
    empty: `${header}.${payload}.`,
  };
}

describe('signature verification accepts what jose accepts, and nothing else', () => {
  it.each(PUBLIC_KEY_ALGORITHMS)('%s: with every key type, curve and JWK restriction', async (alg) => {
    const token = await tokenFor(alg);
    const cases: string[] = [];
    for (const [keyName, pair] of Object.entries(pairs)) {
      for (const [restrictionName, restriction] of Object.entries(RESTRICTIONS)) {
        const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', ...restriction(alg) } as JWK;
        const jose = await joseAccepts(token, alg, jwk);
        const ours = await weAccept(token, alg, jwk);
        cases.push(`${keyName} / ${restrictionName}: jose ${jose}, ours ${ours}`);
        if (jose !== ours) throw new Error(`differs for ${alg}, ${keyName}, ${restrictionName}: jose ${jose}, ours ${ours}`);
      }
    }
    // The right key without restriction verifies; no other key type does.
    expect(cases).toContain(`${SIGNER[alg]} / none: jose true, ours true`);
    expect(cases.filter((c) => c.endsWith('ours true') && !c.startsWith(`${SIGNER[alg]} /`))).toEqual([]);
  });

  it.each(PUBLIC_KEY_ALGORITHMS)('%s: a tampered signature or payload is refused by both', async (alg) => {
    const jwk = { ...(await exportJWK(pairs[SIGNER[alg]].publicKey)), kid: 'k' } as JWK;
    for (const [name, token] of Object.entries(tamperings(await tokenFor(alg), alg))) {
      expect([name, await joseAccepts(token, alg, jwk)]).toEqual([name, false]);
      expect([name, await weAccept(token, alg, jwk)]).toEqual([name, false]);
    }
  });

  it('refuses with the codes of before: no fitting key, no key, a signature that does not verify', async () => {
    const token = await tokenFor('ES256');
    const p256 = { ...(await exportJWK(pairs['P-256'].publicKey)), kid: 'k' } as JWK;
    const p384 = { ...(await exportJWK(pairs['P-384'].publicKey)), kid: 'k' } as JWK;
    expect((await refusalOf(verifySignature(token, 'ES256', 'k', [p384]))).code).toBe('jwt_algorithm_not_allowed');
    expect((await refusalOf(verifySignature(token, 'HS256', 'k', [p256]))).code).toBe('jwt_algorithm_not_allowed');
    expect((await refusalOf(verifySignature(token, 'ES256', 'k', []))).code).toBe('jwt_key_not_found');
    const other = { ...(await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)), kid: 'k' } as JWK;
    expect((await refusalOf(verifySignature(token, 'ES256', 'k', [other]))).code).toBe('jwt_signature_invalid');
    // Without a kid every key is tried: the second one verifies.
    expect(Buffer.from(await verifySignature(token, 'ES256', undefined, [other, p384, p256])).toString()).toBe('{"sub":"a"}');
  });

  describe('HS* with a realm secret (realm_key)', () => {
    const secret = createSecretKey(randomBytes(64));
    const other = createSecretKey(randomBytes(64));
    const secretJwk = async (key = secret, extra: object = {}) => Object.freeze({ ...(await exportJWK(key)), kid: 'k', ...extra });
    const joseHmacAccepts = async (token: string, alg: string) =>
      compactVerify(token, secret, { algorithms: [alg] }).then(
        () => true,
        () => false,
      );

    it.each(['HS256', 'HS384', 'HS512'])('%s: accepts what jose accepts with the secret, tampered or not', async (alg) => {
      const token = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg, kid: 'k' }).sign(secret);
      for (const candidate of [token, ...Object.values(tamperings(token, alg))]) {
        expect({ alg, candidate, ours: await weAccept(candidate, alg, await secretJwk()) }).toEqual({ alg, candidate, ours: await joseHmacAccepts(candidate, alg) });
      }
    });

    it('refuses another secret (jwt_signature_invalid), a secret for RS256 and a public key for HS256 (jwt_algorithm_not_allowed)', async () => {
      const token = await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'HS256', kid: 'k' }).sign(secret);
      await expect(refusalOf(verifySignature(token, 'HS256', 'k', [await secretJwk(other)]))).resolves.toMatchObject({ status: 401, code: 'jwt_signature_invalid' });
      await expect(refusalOf(verifySignature(token, 'RS256', 'k', [await secretJwk()]))).resolves.toMatchObject({ status: 401, code: 'jwt_algorithm_not_allowed' });
      const rsa = Object.freeze({ ...(await exportJWK(pairs['RSA 2048'].publicKey)), kid: 'k' });
      await expect(refusalOf(verifySignature(token, 'HS256', 'k', [rsa]))).resolves.toMatchObject({ status: 401, code: 'jwt_algorithm_not_allowed' });
      await expect(refusalOf(verifySignature(token, 'HS256', 'k', [await secretJwk(secret, { alg: 'HS512' })]))).resolves.toMatchObject({ status: 401, code: 'jwt_algorithm_not_allowed' });
    });
  });
});
