/**
 * The ID tokens we issue, verified by openssl: not by jose, which made them. The public keys come
 * from our JWKS endpoint; openssl builds the ECDSA DER signature itself (asn1parse -genconf).
 */
import { readFileSync } from 'node:fs';
import type { JsonWebKey } from 'node:crypto';
import { join } from 'node:path';
import { ecdsaDer, jwsParts as parts, openssl, publicKeyPemFile, removeOpensslWorkDir, tempFile as file } from '../support/openssl';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../support/realm-fixtures';
import { startTestServer, TestServer } from '../support/test-server';

describe('ID tokens verified with openssl', () => {
  let server: TestServer;
  let jwks: { keys: (JsonWebKey & { kid: string })[] };

  beforeAll(async () => {
    const realm = await rootRealm();
    (realm.keys as object[]).push({ kid: 'ed-1', use: 'sig', generate: { type: 'okp', curve: 'Ed25519' } });
    // A key serves one algorithm: PS256 gets an RSA key of its own.
    (realm.keys as object[]).push({ kid: 'rsa-ps', use: 'sig', generate: { type: 'rsa', size: 2048 } });
    Object.assign(realm.instances as object, { ps256: oidcInstance('PS256', 'rsa-ps'), eddsa: oidcInstance('EdDSA', 'ed-1') });
    server = await startTestServer({ root: realm });
    // The jwks_uri of the issuer the instances share: the keys of all of them.
    jwks = (await server.get('/jwks')).body;
  });
  afterAll(async () => {
    await server.close();
    removeOpensslWorkDir();
  });

  async function issue(instance: string): Promise<string> {
    const res = await server.post(`/rest-sts/${instance}?_action=translate`, usernameToOidc('alice', DEMO_PASSWORD));
    expect(res.status).toBe(200);
    return res.body.issued_token;
  }

  function publicKeyPem(kid: string): string {
    const jwk = jwks.keys.find((k) => k.kid === kid);
    if (!jwk) throw new Error(`kid ${kid} not in JWKS`);
    return publicKeyPemFile(jwk);
  }

  /** openssl dgst verification of the signing input; extra args select the padding. */
  function dgstVerify(jwt: string, signature: Buffer, extra: string[] = []): [number, string] {
    const { input, header } = parts(jwt);
    return openssl(['dgst', '-sha256', '-verify', publicKeyPem(header.kid!), ...extra, '-signature', file(signature), file(input)]);
  }

  it('RS256: openssl verifies the signature, and refuses a tampered token', async () => {
    const jwt = await issue('default');
    const { signature } = parts(jwt);
    expect(dgstVerify(jwt, signature)).toEqual([0, expect.stringContaining('Verified OK')]);
    const tampered = jwt.replace(/\.(.)/, (_m, c: string) => `.${c === 'e' ? 'f' : 'e'}`);
    expect(dgstVerify(tampered, signature)[0]).not.toBe(0);
  });

  it('PS256: openssl verifies with PSS padding and a 32-byte salt', async () => {
    const jwt = await issue('ps256');
    const pss = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'];
    expect(dgstVerify(jwt, parts(jwt).signature, pss)).toEqual([0, expect.stringContaining('Verified OK')]);
  });

  it('ES256: openssl verifies the DER form of the JOSE signature', async () => {
    const jwt = await issue('es256');
    const { signature } = parts(jwt);
    expect(signature).toHaveLength(64);
    expect(dgstVerify(jwt, ecdsaDer(signature))).toEqual([0, expect.stringContaining('Verified OK')]);
    const flipped = Buffer.from(signature);
    flipped[10] ^= 1;
    expect(dgstVerify(jwt, ecdsaDer(flipped))[0]).not.toBe(0);
  });

  it('EdDSA: openssl pkeyutl verifies the Ed25519 signature', async () => {
    const jwt = await issue('eddsa');
    const { input, signature, header } = parts(jwt);
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', publicKeyPem(header.kid!), '-rawin', '-in', file(input), '-sigfile', file(signature)];
    expect(openssl(args)).toEqual([0, expect.stringContaining('Signature Verified Successfully')]);
  });

  it('HS256: openssl computes the same HMAC with the generated secret, which the JWKS never shows', async () => {
    const jwt = await issue('hs256');
    const { input, signature, header } = parts(jwt);
    expect(header).toMatchObject({ alg: 'HS256', kid: 'hs-1' });
    expect(jwks.keys.map((k) => k.kid)).not.toContain('hs-1');
    const secret = Buffer.from(readFileSync(join(server.dataDir, 'keys', 'hs-1.secret'), 'utf8').trim(), 'base64url');
    const [status, out] = openssl(['dgst', '-sha256', '-mac', 'HMAC', '-macopt', `hexkey:${secret.toString('hex')}`, '-hex', file(input)]);
    expect(status).toBe(0);
    expect(out.trim().split(/\s+/).pop()).toBe(signature.toString('hex'));
  });
});
