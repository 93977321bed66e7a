/**
 * Output and input type SESSION (and PingAM's OPENAM input): USERNAME -> SESSION -> OPENIDCONNECT
 * with the login's auth_time, session details, logout, and every refusal with its status and code.
 */
import 'reflect-metadata';
import { decodeJwt, SignJWT } from 'jose';
import { DEMO_PASSWORD, rootRealm, type Json } from '../../support/realm-fixtures';
import { expectErrorBody } from '../../support/error-body';
import { startTestServer, type TestServer } from '../../support/test-server';
import { expectRefused, issuedJwtClaims, issuedToken } from '../../support/translate-results';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sessionInstance(session: Json = {}, extra: Json = {}): Json {
  return {
    supported_token_transforms: [
      { from: 'USERNAME', to: 'SESSION' },
      { from: 'SESSION', to: 'OPENIDCONNECT' },
      { from: 'OPENAM', to: 'OPENIDCONNECT' },
      { from: 'SESSION', to: 'JWT' },
    ],
    oidc: { issuer: 'https://sts.test', audience: ['rp-client'], signature_algorithm: 'RS256', signing_key: 'rsa-1', claim_map: { email: 'mail' } },
    access_token: { audience: ['api'], signature_algorithm: 'RS256', signing_key: 'rsa-1', client_id: 'web' },
    session: { signature_algorithm: 'ES256', signing_key: 'ec-1', audience: ['sts-sessions'], allowed_claims: ['scope', 'loa'], ...session },
    ...extra,
  };
}

let server: TestServer;

beforeAll(async () => {
  const root = await rootRealm({
    instances: {
      default: sessionInstance({}, { persist_issued_tokens: true }),
      twin: sessionInstance(),
      strict: (() => {
        const strict = sessionInstance({ cancel_issued_tokens_on_logout: true }, { persist_issued_tokens: true });
        return { ...strict, supported_token_transforms: [...strict.supported_token_transforms, { from: 'USERNAME', to: 'OPENIDCONNECT' }] };
      })(),
      opaque: sessionInstance({ form: 'opaque', signature_algorithm: undefined, signing_key: undefined }),
      idle: sessionInstance({ idle_timeout_seconds: 2, max_lifetime_seconds: 60 }),
      short: sessionInstance({ idle_timeout_seconds: 1, max_lifetime_seconds: 1 }),
      plain: { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }], oidc: sessionInstance().oidc },
    },
  });
  const eu = await rootRealm({
    realm: '/eu',
    keys: [
      { kid: 'eu-rsa', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'eu-ec', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
    ],
    instances: { default: { ...sessionInstance({ signing_key: 'eu-ec' }), oidc: { ...sessionInstance().oidc, signing_key: 'eu-rsa' }, access_token: { ...sessionInstance().access_token, signing_key: 'eu-rsa' } } },
  });
  // JSON round trip: leaves out the keys set to undefined.
  server = await startTestServer({ root: JSON.parse(JSON.stringify(root)), eu: JSON.parse(JSON.stringify(eu)) });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const rest = (instance: string, action: string) => `/rest-sts${instance}?_action=${action}`;

async function login(instance = '/default', output: Json = {}): Promise<string> {
  const res = await server.post(rest(instance, 'translate'), {
    input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
    output_token_state: { token_type: 'SESSION', ...output },
  });
  return issuedToken(res);
}

const sessionToOidc = (instance: string, session_token: string) =>
  server.post(rest(instance, 'translate'), { input_token_state: { token_type: 'SESSION', session_token }, output_token_state: { token_type: 'OPENIDCONNECT' } });

describe('issuing a session (USERNAME -> SESSION)', () => {
  it('issues a signed session JWT with usage "session", the login facts and the allowed claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const claims = decodeJwt(await login('/default', { claims: { scope: 'openid profile', loa: 2 } }));
    expect(claims).toMatchObject({ iss: 'https://sts.test', sub: 'alice', aud: 'sts-sessions', usage: 'session', amr: ['pwd'], scope: 'openid profile', loa: 2 });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(claims.exp! - claims.iat!).toBe(28800);
    expect(typeof claims.jti).toBe('string');
  });

  it('issues an opaque reference in the opaque form', async () => {
    const token = await login('/opaque');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a claim the instance does not allow (400 claim_not_allowed) and a claims value that is no object', async () => {
    const body = (claims: unknown) => ({
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'SESSION', claims },
    });
    expectRefused(await server.post(rest('/default', 'translate'), body({ role: 'admin' })), 400, 'claim_not_allowed');
    expectRefused(await server.post(rest('/default', 'translate'), body(['scope'])), 400, 'invalid_request');
  });
});

describe('using a session (SESSION and OPENAM input)', () => {
  it('turns a session into an ID token without the password; auth_time and amr come from the login', async () => {
    const session = await login();
    const loggedIn = decodeJwt(session);
    await sleep(1100);
    const idToken = issuedJwtClaims(await sessionToOidc('/default', session));
    expect(idToken).toMatchObject({ sub: 'alice', aud: 'rp-client', auth_time: loggedIn.auth_time, amr: ['pwd'], email: 'alice@example.com' });
    expect(idToken.iat).toBeGreaterThan(loggedIn.auth_time as number);
  });

  it('accepts the PingAM spelling {"token_type": "OPENAM", "session_id": ...}, in either form', async () => {
    for (const instance of ['/default', '/opaque']) {
      const session_id = await login(instance);
      const res = await server.post(rest(instance, 'translate'), { input_token_state: { token_type: 'OPENAM', session_id }, output_token_state: { token_type: 'OPENIDCONNECT' } });
      expect(issuedJwtClaims(res)).toMatchObject({ sub: 'alice', amr: ['pwd'] });
    }
  });

  it('turns a session into an access token (JWT output)', async () => {
    const session = await login();
    const res = await server.post(rest('/default', 'translate'), { input_token_state: { token_type: 'SESSION', session_token: session }, output_token_state: { token_type: 'JWT' } });
    expect(issuedJwtClaims(res)).toMatchObject({ sub: 'alice', aud: 'api' });
  });

  it('refuses an OPENAM state without session_id (400)', async () => {
    const res = await server.post(rest('/default', 'translate'), { input_token_state: { token_type: 'OPENAM', session_token: 'x' }, output_token_state: { token_type: 'OPENIDCONNECT' } });
    expectRefused(res, 400, 'invalid_request');
  });

  it('each use moves the idle timeout on; an unused session then times out (401 session_idle_timeout)', async () => {
    const session = await login('/idle');
    await sleep(1300);
    issuedToken(await sessionToOidc('/idle', session));
    await sleep(1300); // past the first idle expiry, within the one the use moved on
    issuedToken(await sessionToOidc('/idle', session));
    await sleep(2200);
    expectRefused(await sessionToOidc('/idle', session), 401, 'session_idle_timeout');
  });
});

describe('refusals, each a 401 with its own code', () => {
  it('unknown: a well-formed opaque reference nobody issued, and a JWT jti presented bare', async () => {
    expectRefused(await sessionToOidc('/opaque', 'A'.repeat(43)), 401, 'session_unknown');
    const jti = decodeJwt(await login()).jti as string;
    expectRefused(await sessionToOidc('/default', jti), 401, 'session_unknown');
  });

  it('expired: past the maximum lifetime', async () => {
    const session = await login('/short');
    await sleep(2100);
    expectRefused(await sessionToOidc('/short', session), 401, 'session_expired');
  });

  it('forged: a session JWT whose payload was changed, or that another key signed', async () => {
    const [header, , signature] = (await login()).split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(await login()), sub: 'mallory' })).toString('base64url');
    expectRefused(await sessionToOidc('/default', `${header}.${payload}.${signature}`), 401, 'session_forged');
    const foreignKey = new TextEncoder().encode('x'.repeat(32));
    const made = await new SignJWT({ iss: 'https://sts.test', sub: 'alice', usage: 'session', jti: 'made-up-jti-123456' }).setProtectedHeader({ alg: 'HS256' }).sign(foreignKey);
    expectRefused(await sessionToOidc('/default', made), 401, 'session_forged');
  });

  it('foreign: a session of another instance or another realm', async () => {
    const session = await login('/default');
    expectRefused(await sessionToOidc('/twin', session), 401, 'session_foreign');
    expectRefused(await sessionToOidc('/eu/default', session), 401, 'session_foreign');
    issuedToken(await sessionToOidc('/default', session));
  });

  it('cancelled: after a logout', async () => {
    const session = await login();
    const res = await server.post(rest('/default', 'cancel'), { cancelled_token_state: { token_type: 'SESSION', session_token: session } });
    expect(res).toMatchObject({ status: 200, body: { result: expect.stringContaining('ended') } });
    expectRefused(await sessionToOidc('/default', session), 401, 'session_cancelled');
  });

  it('an instance without a session section accepts no SESSION input (400 unknown transform)', async () => {
    expectRefused(await sessionToOidc('/plain', await login()), 400, 'unsupported_transform');
  });
});

describe('logout (_action=cancel)', () => {
  it('ends a session by its OPENAM spelling too; a second logout is refused as cancelled', async () => {
    const session_id = await login('/opaque');
    const cancel = () => server.post(rest('/opaque', 'cancel'), { cancelled_token_state: { token_type: 'OPENAM', session_id } });
    expect((await cancel()).status).toBe(200);
    expectErrorBody(await cancel(), 401, 'session_cancelled');
  });

  it('leaves tokens issued from the session valid until their own expiry', async () => {
    const session = await login();
    const idToken = issuedToken(await sessionToOidc('/default', session));
    const validateIdToken = () => server.post(rest('/default', 'validate'), { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: idToken } });
    expect((await validateIdToken()).body).toEqual({ token_valid: true, principal: 'alice' });
    expect((await server.post(rest('/default', 'cancel'), { cancelled_token_state: { token_type: 'SESSION', session_token: session } })).status).toBe(200);
    expect((await validateIdToken()).body).toEqual({ token_valid: true, principal: 'alice' });
  });

  it('with cancel_issued_tokens_on_logout, also cancels the tokens issued from the session, and only those', async () => {
    const session = await login('/strict');
    const idToken = issuedToken(await sessionToOidc('/strict', session));
    const accessToken = issuedToken(
      await server.post(rest('/strict', 'translate'), { input_token_state: { token_type: 'SESSION', session_token: session }, output_token_state: { token_type: 'JWT' } }),
    );
    const byPassword = issuedToken(
      await server.post(rest('/strict', 'translate'), {
        input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
        output_token_state: { token_type: 'OPENIDCONNECT' },
      }),
    );
    const valid = async (state: Json) => (await server.post(rest('/strict', 'validate'), { validated_token_state: state })).body.token_valid;
    const idState = (token: string) => ({ token_type: 'OPENIDCONNECT', oidc_id_token: token });
    const accessState = { token_type: 'JWT', jwt: accessToken };
    expect([await valid(idState(idToken)), await valid(accessState), await valid(idState(byPassword))]).toEqual([true, true, true]);

    const res = await server.post(rest('/strict', 'cancel'), { cancelled_token_state: { token_type: 'SESSION', session_token: session } });
    expect(res.body).toEqual({ result: 'SESSION session ended successfully. 2 token(s) issued from it cancelled.' });
    expect([await valid(idState(idToken)), await valid(accessState), await valid(idState(byPassword))]).toEqual([false, false, true]);
  });

  it('validate tells a live session from an ended one without using it', async () => {
    const session = await login();
    const validate = () => server.post(rest('/default', 'validate'), { validated_token_state: { token_type: 'SESSION', session_token: session } });
    expect((await validate()).body).toEqual({ token_valid: true, principal: 'alice' });
    await server.post(rest('/default', 'cancel'), { cancelled_token_state: { token_type: 'SESSION', session_token: session } });
    expect((await validate()).body).toEqual({ token_valid: false });
  });
});

describe('session details (_action=session_info)', () => {
  it("answers the session's claims", async () => {
    const session = await login('/default', { claims: { scope: 'openid', loa: 3 } });
    const res = await server.post(rest('/default', 'session_info'), { session_token: session });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ claims: decodeJwt(session) });
    expect(res.body.claims).toMatchObject({ sub: 'alice', aud: 'sts-sessions', iss: 'https://sts.test', usage: 'session', loa: 3, scope: 'openid' });
  });

  it("with resolve_to_user, adds the identity store's current attributes", async () => {
    const res = await server.post(rest('/opaque', 'session_info'), { session_token: await login('/opaque'), resolve_to_user: true });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ username: 'alice', attributes: { mail: 'alice@example.com', cn: 'Alice Example', groups: ['staff', 'admins'] } });
    expect(res.body.claims).toMatchObject({ sub: 'alice', usage: 'session' });
  });

  it('answers 401 with the reason once the session is gone, and 400 for a bad body', async () => {
    const session = await login();
    await server.post(rest('/default', 'cancel'), { cancelled_token_state: { token_type: 'SESSION', session_token: session } });
    expectErrorBody(await server.post(rest('/default', 'session_info'), { session_token: session }), 401, 'session_cancelled');
    expectErrorBody(await server.post(rest('/default', 'session_info'), { session_token: 'A'.repeat(43) }), 401, 'session_unknown');
    expectErrorBody(await server.post(rest('/default', 'session_info'), {}), 400, 'invalid_request');
    expectErrorBody(await server.post(rest('/default', 'session_info'), { session_token: session, resolve_to_user: 'yes' }), 400, 'invalid_request');
    expectErrorBody(await server.post(rest('/default', 'session_info'), { session_token: session, extra: 1 }), 400, 'invalid_request');
  });

  it('is refused by an instance that has no session section (400 sessions_not_configured)', async () => {
    expectErrorBody(await server.post(rest('/plain', 'session_info'), { session_token: 'A'.repeat(43) }), 400, 'sessions_not_configured');
  });
});
