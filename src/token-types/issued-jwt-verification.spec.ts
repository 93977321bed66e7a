import 'reflect-metadata';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encrypterFor, prepareEncryption } from '../keys/encryption/encryption-setup';
import { JWS_ALGORITHM_NAMES, keyProblemForAlgorithm } from '../keys/jws-algorithms';
import { signJwt } from '../keys/jwt-signer';
import type { LoadedKey } from '../keys/loaded-key';
import { RealmKeys } from '../keys/realm-keys';
import { KeyRing } from '../keys/rotation/key-ring';
import type { StsRealmContext } from '../plugin-api/token-contract';
import { EncryptionConfig } from '../realms/schema/encryption-config';
import { flipCharacter, itAnswersFalseForGarbage, loadTestKey, makeKeyDir, realmWith } from '../../test/support/token-provider-fixtures';
import { verifyIssuedJwt, type IssuedJwtExpectations } from './issued-jwt-verification';

const ISSUER = 'https://sts.test';
const expectations = (signingKey: string, encryption?: EncryptionConfig): IssuedJwtExpectations => ({
  signingKey,
  encryption,
  issuerMatches: (iss) => iss === ISSUER,
});
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: 'alice', iat: now(), exp: now() + 300, ...extra });

let keyDir: ReturnType<typeof makeKeyDir>;
let ec: LoadedKey;
let ecOther: LoadedKey;
let hs: LoadedKey;
let rsaEnc: LoadedKey;

beforeAll(async () => {
  keyDir = makeKeyDir();
  [ec, ecOther, hs, rsaEnc] = await Promise.all([
    loadTestKey({ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }, keyDir.dir),
    loadTestKey({ kid: 'ec-2', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }, keyDir.dir),
    loadTestKey({ kid: 'hs-1', use: 'sig', generate: { type: 'oct', size: 256 } }, keyDir.dir),
    loadTestKey({ kid: 'rsa-enc', use: 'enc', generate: { type: 'rsa', size: 2048 } }, keyDir.dir),
  ]);
});
afterAll(() => keyDir.remove());

describe('verifyIssuedJwt', () => {
  it.each([
    ['ES256', () => ec],
    ['HS256', () => hs],
  ] as const)('verifies a %s token with the configured key (the secret itself for HMAC)', async (alg, key) => {
    const token = await signJwt(claims(), alg, key());
    expect(await verifyIssuedJwt(token, realmWith([key()], keyDir.dir), expectations(key().kid))).toBe(true);
  });

  it('verifies an expired token: expiry is for the token store to decide', async () => {
    const token = await signJwt(claims({ iat: now() - 7200, exp: now() - 3600 }), 'ES256', ec);
    expect(await verifyIssuedJwt(token, realmWith([ec], keyDir.dir), expectations('ec-1'))).toBe(true);
  });

  it('refuses a token whose payload or signature was changed', async () => {
    const token = await signJwt(claims(), 'ES256', ec);
    const [header, payload, signature] = token.split('.');
    const realm = realmWith([ec], keyDir.dir);
    expect(await verifyIssuedJwt(`${header}.${flipCharacter(payload, 10)}.${signature}`, realm, expectations('ec-1'))).toBe(false);
    expect(await verifyIssuedJwt(`${header}.${payload}.${flipCharacter(signature, 20)}`, realm, expectations('ec-1'))).toBe(false);
  });

  it('refuses a token signed by another key under the configured kid', async () => {
    const impostor: LoadedKey = { ...ecOther, kid: 'ec-1' };
    const token = await signJwt(claims(), 'ES256', impostor);
    expect(await verifyIssuedJwt(token, realmWith([ec], keyDir.dir), expectations('ec-1'))).toBe(false);
  });

  it('refuses a token signed by another active key of the realm: it is not this instance’s', async () => {
    const token = await signJwt(claims(), 'ES256', ecOther);
    expect(await verifyIssuedJwt(token, realmWith([ec, ecOther], keyDir.dir), expectations('ec-1'))).toBe(false);
  });

  it('verifies a token signed by a key since retired by a rollover, and refuses it once the key is gone', async () => {
    const token = await signJwt(claims(), 'ES256', ecOther);
    const retired: LoadedKey = { ...ecOther, retiredAt: new Date() };
    expect(await verifyIssuedJwt(token, realmWith([ec, retired], keyDir.dir), expectations('ec-1'))).toBe(true);
    expect(await verifyIssuedJwt(token, realmWith([ec], keyDir.dir), expectations('ec-1'))).toBe(false);
  });

  it('verifies a token without kid with the configured key only', async () => {
    const token = await signJwt(claims(), 'ES256', ec, { includeKid: false });
    expect(await verifyIssuedJwt(token, realmWith([ec], keyDir.dir), expectations('ec-1'))).toBe(true);
    expect(await verifyIssuedJwt(token, realmWith([ec, ecOther], keyDir.dir), expectations('ec-2'))).toBe(false);
  });

  it('verifies a token signed by the active version of a rotating signing key', async () => {
    const version: LoadedKey = { ...ec, kid: 'ring.v1' };
    const realm: StsRealmContext = {
      ...realmWith([], keyDir.dir),
      keys: new RealmKeys([], 0, [new KeyRing('ring', [{ key: version, activatesAt: 0 }], Infinity)]),
    };
    const token = await signJwt(claims(), 'ES256', realm.keys.get('ring')!);
    expect(await verifyIssuedJwt(token, realm, expectations('ring'))).toBe(true);
  });

  it('refuses a token of another issuer, or of none', async () => {
    const realm = realmWith([ec], keyDir.dir);
    expect(await verifyIssuedJwt(await signJwt(claims({ iss: 'https://other.test' }), 'ES256', ec), realm, expectations('ec-1'))).toBe(false);
    expect(await verifyIssuedJwt(await signJwt(claims({ iss: undefined }), 'ES256', ec), realm, expectations('ec-1'))).toBe(false);
  });

  itAnswersFalseForGarbage((token) => verifyIssuedJwt(token, realmWith([ec], keyDir.dir), expectations('ec-1')));

  describe('decides as jose compactVerify does (what it used before node:crypto)', () => {
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    /** A JWS over exactly these header and payload texts, signed (or not) as `alg` says, with `key`. */
    function jws(header: unknown, payload: unknown, signWith?: { alg: 'ES256' | 'HS256'; key: KeyObject | Buffer }): string {
      const input = `${b64(header)}.${b64(payload)}`;
      if (!signWith) return `${input}.`;
      const signature =
        signWith.alg === 'HS256'
          ? createHmac('sha256', signWith.key).update(input).digest()
          : sign('sha256', Buffer.from(input), { key: signWith.key as KeyObject, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    }
    /** The previous implementation: jose with the algorithms the key suits, then the issuer. */
    async function joseDecides(token: string, key: LoadedKey): Promise<boolean> {
      try {
        const algorithms = JWS_ALGORITHM_NAMES.filter((alg) => keyProblemForAlgorithm(alg, key) === undefined);
        const { payload } = await compactVerify(token, key.family === 'oct' ? key.privateKey! : key.publicKey!, { algorithms });
        const parsed: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
        return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && (parsed as { iss?: unknown }).iss === ISSUER;
      } catch {
        return false;
      }
    }

    const es = () => ({ alg: 'ES256' as const, key: ec.privateKey! });
    const cases: [string, () => string, () => LoadedKey][] = [
      ['a genuine ES256 token', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()), () => ec],
      ['a genuine HS256 token', () => jws({ alg: 'HS256', kid: 'hs-1' }, claims(), { alg: 'HS256', key: hs.privateKey! }), () => hs],
      ['alg none, no signature', () => jws({ alg: 'none', kid: 'ec-1' }, claims()), () => ec],
      ['HS256 keyed with the EC public key (algorithm confusion)', () => jws({ alg: 'HS256', kid: 'ec-1' }, claims(), { alg: 'HS256', key: Buffer.from(ec.publicKey!.export({ type: 'spki', format: 'pem' })) }), () => ec],
      ['ES384 named over an ES256 signature', () => jws({ alg: 'ES384', kid: 'ec-1' }, claims(), es()), () => ec],
      ['ES256 named with the HMAC key', () => jws({ alg: 'ES256', kid: 'hs-1' }, claims(), es()), () => hs],
      ['an unknown alg', () => jws({ alg: 'ES999', kid: 'ec-1' }, claims(), es()), () => ec],
      ['alg missing', () => jws({ kid: 'ec-1' }, claims(), es()), () => ec],
      ['alg not a string', () => jws({ alg: ['ES256'], kid: 'ec-1' }, claims(), es()), () => ec],
      ['a crit header', () => jws({ alg: 'ES256', kid: 'ec-1', crit: ['exp'], exp: 1 }, claims(), es()), () => ec],
      ['an empty crit', () => jws({ alg: 'ES256', kid: 'ec-1', crit: [] }, claims(), es()), () => ec],
      ['b64 false with crit', () => jws({ alg: 'ES256', kid: 'ec-1', b64: false, crit: ['b64'] }, claims(), es()), () => ec],
      ['b64 true without crit (means nothing there)', () => jws({ alg: 'ES256', kid: 'ec-1', b64: true }, claims(), es()), () => ec],
      ['b64 false without crit (means nothing there)', () => jws({ alg: 'ES256', kid: 'ec-1', b64: false }, claims(), es()), () => ec],
      ['a header that is an array', () => jws(['ES256'], claims(), es()), () => ec],
      ['a header that is not JSON', () => jws('{"alg":"ES256"', claims(), es()), () => ec],
      ['a payload that is an array', () => jws({ alg: 'ES256', kid: 'ec-1' }, [ISSUER], es()), () => ec],
      ['a payload that is not JSON', () => jws({ alg: 'ES256', kid: 'ec-1' }, 'not json', es()), () => ec],
      ['a payload of another issuer', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims({ iss: 'https://other.test' }), es()), () => ec],
      ['a DER (not r || s) ECDSA signature', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()).replace(/\.[^.]*$/, () => '.' + sign('sha256', Buffer.from('x'), ec.privateKey!).toString('base64url')), () => ec],
      ['a signature with base64 padding', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()) + '=', () => ec],
      ['a signature in standard base64 (padded)', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()).replace(/\.([^.]*)$/, (_, s: string) => '.' + Buffer.from(s, 'base64url').toString('base64')), () => ec],
      ['a signature one character too long', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()) + 'A', () => ec],
      ['a signature ending in a lone base64url character (no whole byte)', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()) + 'AAA', () => ec],
      ['a signature cut short', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()).slice(0, -4), () => ec],
      ['four segments', () => jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es()) + '.AAAA', () => ec],
      ['a space before the token', () => ` ${jws({ alg: 'ES256', kid: 'ec-1' }, claims(), es())}`, () => ec],
    ];

    it.each(cases)('%s: the same answer', async (_, token, key) => {
      const made = token();
      const expected = await joseDecides(made, key());
      expect(await verifyIssuedJwt(made, realmWith([key()], keyDir.dir), expectations(key().kid))).toBe(expected);
    });

    it('only the genuine tokens verify: every tampered one is refused', async () => {
      const answers = await Promise.all(cases.map(([, token, key]) => verifyIssuedJwt(token(), realmWith([key()], keyDir.dir), expectations(key().kid))));
      const genuine = ['a genuine ES256 token', 'a genuine HS256 token', 'b64 true without crit (means nothing there)', 'b64 false without crit (means nothing there)'];
      expect(cases.filter((_, index) => answers[index]).map(([name]) => name)).toEqual(genuine);
    });
  });

  describe('nested in a JWE', () => {
    const encryption = (source: Partial<EncryptionConfig>) =>
      Object.assign(new EncryptionConfig(), { algorithm: 'RSA-OAEP-256', content_encryption: 'A256GCM', ...source });

    async function encrypted(config: EncryptionConfig, realm: StsRealmContext): Promise<string> {
      expect(await prepareEncryption(config, realm, 'encryption')).toEqual([]);
      return encrypterFor(config).encrypt(await signJwt(claims(), 'ES256', ec));
    }

    it('decrypts with a realm key it holds, then verifies the signature', async () => {
      const realm = realmWith([ec, rsaEnc], keyDir.dir);
      const config = encryption({ key: 'rsa-enc' });
      const token = await encrypted(config, realm);
      expect(await verifyIssuedJwt(token, realm, expectations('ec-1', config))).toBe(true);
      // The signing key gone: the inner token no longer verifies.
      expect(await verifyIssuedJwt(token, realmWith([rsaEnc], keyDir.dir), expectations('ec-1', config))).toBe(false);
      // The encryption key gone: nothing to open it with.
      expect(await verifyIssuedJwt(token, realmWith([ec], keyDir.dir), expectations('ec-1', config))).toBe(false);
    });

    it('refuses a JWE whose ciphertext was changed', async () => {
      const realm = realmWith([ec, rsaEnc], keyDir.dir);
      const config = encryption({ key: 'rsa-enc' });
      const parts = (await encrypted(config, realm)).split('.');
      parts[3] = flipCharacter(parts[3], 5);
      expect(await verifyIssuedJwt(parts.join('.'), realm, expectations('ec-1', config))).toBe(false);
    });

    it('accepts a JWE for a partner key as it is: only the partner can open it, the store’s hash match vouches', async () => {
      const partner = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(join(keyDir.dir, 'partner.pem'), partner.publicKey.export({ type: 'spki', format: 'pem' }));
      const realm = realmWith([ec], keyDir.dir);
      const config = encryption({ public_key_file: 'partner.pem' });
      const token = await encrypted(config, realm);
      expect(await verifyIssuedJwt(token, realm, expectations('ec-1', config))).toBe(true);
      expect(await verifyIssuedJwt('a.b.c.d.e', realm, expectations('ec-1', config))).toBe(false);
    });
  });
});
