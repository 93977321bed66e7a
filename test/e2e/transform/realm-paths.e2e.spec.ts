/**
 * SPEC 3 / 4.1 / 4.3: instance paths are realm path + instance name, root-realm instances have
 * no realm segment, and every realm authenticates against its own identity store and publishes
 * its own keys.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm, testPasswordHash, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, TestServer } from '../../support/test-server';

const EU_PASSWORD = 'a different password for the eu/fr realm';
const ROOT_ISSUER = 'https://sts.test';
const EU_ISSUER = 'https://sts.test/eu/fr';
const ROOT_PARTNERS_ISSUER = 'https://sts.test/root-partners';

function withIssuer(instance: Record<string, unknown>, issuer: string): Record<string, unknown> {
  return { ...instance, oidc: { ...(instance.oidc as object), issuer } };
}

describe('realm paths', () => {
  let server: TestServer;
  beforeAll(async () => {
    const root = await rootRealm();
    // Same instance name as in /eu/fr: a path must pick the realm, not just the name.
    root.instances = { ...(root.instances as object), partners: withIssuer(oidcInstance('RS256', 'rsa-1'), ROOT_PARTNERS_ISSUER) };
    const euFr = {
      realm: '/eu/fr',
      identity_store: {
        type: 'file',
        users: [
          { username: 'alice', password_hash: await testPasswordHash(EU_PASSWORD), attributes: { mail: 'alice@example.fr', cn: 'Alice FR' } },
          { username: 'bernard', password_hash: await testPasswordHash(EU_PASSWORD), attributes: { mail: 'bernard@example.fr' } },
        ],
      },
      keys: [{ kid: 'eu-ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
      instances: { partners: withIssuer(oidcInstance('ES256', 'eu-ec-1'), EU_ISSUER) },
    };
    server = await startTestServer({ root, 'eu-fr': euFr });
  });
  afterAll(() => server.close());

  async function jwksOf(path: string): Promise<JSONWebKeySet> {
    const res = await server.get(path);
    expect(res.status).toBe(200);
    return res.body as JSONWebKeySet;
  }

  it('serves the /eu/fr instance partners at /rest-sts/eu/fr/partners with its own issuer and key', async () => {
    const res = await server.post('/rest-sts/eu/fr/partners?_action=translate', usernameToOidc('alice', EU_PASSWORD));
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token)).toMatchObject({ iss: EU_ISSUER, sub: 'alice', email: 'alice@example.fr', name: 'Alice FR' });
    expect(decodeProtectedHeader(res.body.issued_token)).toMatchObject({ alg: 'ES256', kid: 'eu-ec-1' });
    const { payload } = await jwtVerify(res.body.issued_token, createLocalJWKSet(await jwksOf('/oauth2/eu/fr/partners/jwks')), {
      issuer: EU_ISSUER,
      audience: 'rp-client',
    });
    expect(payload.sub).toBe('alice');
  });

  it('publishes only the realm\'s own keys at /oauth2/eu/fr/partners/jwks', async () => {
    const eu = await jwksOf('/oauth2/eu/fr/partners/jwks');
    expect(eu.keys.map((k) => k.kid)).toEqual(['eu-ec-1']);
    const root = await jwksOf('/oauth2/default/jwks');
    expect(root.keys.map((k) => k.kid)).not.toContain('eu-ec-1');
    expect(root.keys.map((k) => k.kid)).toContain('rsa-1');
  });

  it('serves a root-realm instance without a realm segment at /rest-sts/default', async () => {
    const res = await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token)).toMatchObject({ iss: ROOT_ISSUER, sub: 'alice', email: 'alice@example.com' });
  });

  it('keeps same-named instances of different realms apart', async () => {
    const res = await server.post('/rest-sts/partners?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token).iss).toBe(ROOT_PARTNERS_ISSUER);
    expect(decodeProtectedHeader(res.body.issued_token).kid).toBe('rsa-1');
  });

  it.each([
    ['/rest-sts/default/?_action=translate', DEMO_PASSWORD, ROOT_ISSUER],
    ['/rest-sts/eu/fr/partners/?_action=translate', EU_PASSWORD, EU_ISSUER],
  ])('accepts a trailing slash: %s', async (path, password, issuer) => {
    const res = await server.post(path, usernameToOidc('alice', password));
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token).iss).toBe(issuer);
  });

  it('accepts a trailing slash on the JWKS path', async () => {
    expect((await jwksOf('/oauth2/eu/fr/partners/jwks/')).keys.map((k) => k.kid)).toEqual(['eu-ec-1']);
  });

  it.each([
    ['/rest-sts/eu/partners', 'the wrong realm'],
    ['/rest-sts/fr/partners', 'only the last realm segment'],
    ['/rest-sts/eu/fr', 'the realm without an instance'],
    ['/rest-sts/eu/fr/default', 'a root instance name under another realm'],
    ['/rest-sts/eu/fr/partners/extra', 'a segment after the instance'],
  ])('answers 404 instance_not_found for %s (%s)', async (path) => {
    const res = await server.post(`${path}?_action=translate`, usernameToOidc('alice', EU_PASSWORD));
    expectErrorBody(res, 404, 'instance_not_found');
  });

  it('answers 404 instance_not_found for the JWKS of the wrong realm', async () => {
    expectErrorBody(await server.get('/oauth2/eu/partners/jwks'), 404, 'instance_not_found');
  });

  describe('each realm authenticates against its own identity store', () => {
    it('refuses the /eu/fr password on the root realm', async () => {
      const res = await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', EU_PASSWORD));
      expectErrorBody(res, 401, 'invalid_credentials');
    });

    it('refuses the root password on the /eu/fr realm', async () => {
      const res = await server.post('/rest-sts/eu/fr/partners?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
      expectErrorBody(res, 401, 'invalid_credentials');
    });

    it('knows a user of /eu/fr only there', async () => {
      const own = await server.post('/rest-sts/eu/fr/partners?_action=translate', usernameToOidc('bernard', EU_PASSWORD));
      expect(own.status).toBe(200);
      expect(decodeJwt(own.body.issued_token).sub).toBe('bernard');
      const other = await server.post('/rest-sts/partners?_action=translate', usernameToOidc('bernard', EU_PASSWORD));
      expectErrorBody(other, 401, 'invalid_credentials');
    });
  });
});
