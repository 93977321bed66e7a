/**
 * SPEC 4.3: `GET /oauth2{P}/jwks` publishes the public keys the instance's tokens are signed with,
 * each with kid, use and alg, and its tokens verify against it; `GET /jwks` (the jwks_uri of the
 * issuer the instances share) publishes those of all of them. (The health endpoints of SPEC 4.4:
 * test/e2e/health.)
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, TestServer } from '../../support/test-server';

/** JWK members that carry private or symmetric key material (RFC 7518 section 6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('GET /oauth2{P}/jwks', () => {
  let server: TestServer;
  let jwks: JSONWebKeySet;
  let headers: Headers;
  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() });
    const res = await server.get('/oauth2/default/jwks');
    expect(res.status).toBe(200);
    jwks = res.body;
    headers = res.headers;
  });
  afterAll(() => server.close());

  async function issue(instance: string): Promise<string> {
    const res = await server.post(`/rest-sts/${instance}?_action=translate`, usernameToOidc('alice', DEMO_PASSWORD));
    expect(res.status).toBe(200);
    return res.body.issued_token;
  }

  it('answers JSON that may be cached (Cache-Control max-age)', () => {
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toMatch(/max-age=\d+/);
  });

  it('is a JWK set whose every key has kid, kty, use=sig and alg', () => {
    expect(Object.keys(jwks)).toEqual(['keys']);
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(typeof key.kid).toBe('string');
      expect(typeof key.kty).toBe('string');
      expect(key.use).toBe('sig');
      expect(typeof key.alg).toBe('string');
    }
    expect(new Set(jwks.keys.map((k) => k.kid)).size).toBe(jwks.keys.length);
  });

  it("publishes the instance's RSA key only, with its public members and the algorithm it signs with", () => {
    expect(jwks.keys).toEqual([{ kty: 'RSA', kid: 'rsa-1', use: 'sig', alg: 'RS256', n: expect.any(String), e: 'AQAB' }]);
  });

  it("publishes the EC key at the ES256 instance's JWKS, and both at the jwks_uri of the issuer they share", async () => {
    expect((await server.get('/oauth2/es256/jwks')).body.keys).toEqual([
      { kty: 'EC', kid: 'ec-1', use: 'sig', alg: 'ES256', crv: 'P-256', x: expect.any(String), y: expect.any(String) },
    ]);
    const issuer = await server.get('/jwks');
    expect(issuer.status).toBe(200);
    expect(issuer.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect((issuer.body as JSONWebKeySet).keys.map((k) => `${k.kid} ${k.alg}`)).toEqual(['rsa-1 RS256', 'ec-1 ES256']);
  });

  it('does not publish the HMAC (oct) key', () => {
    expect(jwks.keys.map((k) => k.kid)).not.toContain('hs-1');
    expect(jwks.keys.map((k) => k.kty)).not.toContain('oct');
  });

  it('contains no private or symmetric key material anywhere', () => {
    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS) expect(Object.keys(key)).not.toContain(member);
    }
    const serialized = JSON.stringify(jwks);
    for (const member of PRIVATE_MEMBERS) expect(serialized).not.toContain(`"${member}":`);
  });

  it('verifies the token of the ES256 instance against its JWKS and the issuer\'s', async () => {
    const token = await issue('es256');
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: 'ec-1' });
    await expect(jwtVerify(token, createLocalJWKSet((await server.get('/oauth2/es256/jwks')).body))).resolves.toBeDefined();
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toThrow();
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet((await server.get('/jwks')).body), { issuer: 'https://sts.test', audience: 'rp-client' });
    expect(payload.sub).toBe('alice');
    expect(protectedHeader.kid).toBe('ec-1');
  });

  it('verifies the token of the RS256 instance', async () => {
    const { payload } = await jwtVerify(await issue('default'), createLocalJWKSet(jwks), { algorithms: ['RS256'] });
    expect(payload.sub).toBe('alice');
  });

  it('cannot verify the HS256 instance\'s token, whose key stays secret', async () => {
    const token = await issue('hs256');
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256', kid: 'hs-1' });
    await expect(jwtVerify(token, createLocalJWKSet(jwks))).rejects.toThrow();
  });

  it('is empty for the HS256 instance, whose key stays secret', async () => {
    const res = await server.get('/oauth2/hs256/jwks');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keys: [] });
  });

  it('answers 404 instance_not_found for an unknown instance', async () => {
    expectErrorBody(await server.get('/oauth2/nope/jwks'), 404, 'instance_not_found');
  });

  it.each(['/oauth2/default/other', '/oauth2/default', '/oauth2/jwks'])('answers 404 not_found for %s', async (path) => {
    expectErrorBody(await server.get(path), 404, 'not_found');
  });
});
