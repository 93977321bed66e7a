import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, TestServer } from '../../support/test-server';

describe('POST /rest-sts{P}?_action=translate USERNAME -> OPENIDCONNECT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() });
  });
  afterAll(() => server.close());

  it('issues a signed ID token with the PingAM wire format', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD, { nonce: '1234', allow_access: true }));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['issued_token']);
    const claims = decodeJwt(res.body.issued_token);
    expect(claims).toMatchObject({
      iss: 'https://sts.test',
      sub: 'alice',
      aud: 'rp-client',
      nonce: '1234',
      email: 'alice@example.com',
      name: 'Alice Example',
      groups: ['staff', 'admins'],
      amr: ['pwd'],
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.exp).toBe(claims.iat! + 300);
    expect(claims.auth_time).toBe(claims.iat);
    expect(typeof claims.jti).toBe('string');
    expect(claims).not.toHaveProperty('azp'); // one audience, no authorized_party configured
    expect(decodeProtectedHeader(res.body.issued_token)).toEqual({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' });
  });
});
