/**
 * `identity_store: {type: ldap}` against a real, private slapd: USERNAME -> OPENIDCONNECT over HTTP,
 * LDAP injection, directory outages (stopped, hung) and load-time refusals.
 */
import 'reflect-metadata';
import { LdapIdentityStore, ldapSettings } from '../../../src/identity/ldap-identity-store';
import { loadRealms } from '../../../src/realms/realm-loader';
import type { IdentityStoreConfig } from '../../../src/realms/schema/identity-store-config';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { configErrorOf, expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { LDAP_SUFFIX, SlapdTestServer, startSlapd, stopAllSlapds } from '../../support/slapd';
import { freePort } from '../../support/spawned-server';
import { startTestServer, TestServer, writeConfigDir } from '../../support/test-server';

const PASSWORD_ENV = 'STS_TEST_LDAP_BIND_PASSWORD';
const ALICE_PASSWORD = 'alice-' + Math.random().toString(36).slice(2);
const TIMEOUT_MS = 1000;
const TRANSLATE = '/rest-sts/default?_action=translate';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

describe('LDAP identity store (real slapd)', () => {
  let slapd: SlapdTestServer;
  let server: TestServer;

  const ldapStore = (extra: Record<string, unknown> = {}) => ({
    type: 'ldap',
    url: slapd.url,
    bind_dn: slapd.serviceDn,
    bind_password_env: PASSWORD_ENV,
    base_dn: LDAP_SUFFIX,
    attributes: ['mail', 'cn'],
    connect_timeout_ms: TIMEOUT_MS,
    timeout_ms: TIMEOUT_MS,
    pool_size: 2,
    ...extra,
  });

  beforeAll(async () => {
    slapd = await startSlapd([
      { uid: 'alice', password: ALICE_PASSWORD, mail: 'alice@example.com', cn: 'Alice Example' },
      { uid: 'admin', password: 'admin-' + Math.random().toString(36).slice(2), mail: 'admin@example.com' },
      // Same uid twice: ambiguous, so refused even with the right password.
      { uid: 'twin', password: ALICE_PASSWORD, ou: 'people' },
      { uid: 'twin', password: ALICE_PASSWORD, ou: 'staff' },
    ]);
    process.env[PASSWORD_ENV] = slapd.servicePassword;
    server = await startTestServer({ root: await rootRealm({ identity_store: ldapStore() }) });
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await slapd?.dispose();
    stopAllSlapds();
    delete process.env[PASSWORD_ENV];
  });

  const login = (username: string, password: string) => server.post(TRANSLATE, usernameToOidc(username, password));

  it('the right password gives an ID token carrying the mapped LDAP attributes', async () => {
    const res = await login('alice', ALICE_PASSWORD);
    expect(res.status).toBe(200);
    const claims = claimsOf(res.body.issued_token);
    expect(claims).toMatchObject({ sub: 'alice', email: 'alice@example.com', name: 'Alice Example' });
  });

  it('reuses the pooled service connections across requests', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => login('alice', ALICE_PASSWORD)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('a wrong password is 401 invalid_credentials, as with the file store', async () => {
    expectErrorBody(await login('alice', 'wrong-password'), 401, 'invalid_credentials');
  });

  it('an unknown user gets the same 401', async () => {
    expectErrorBody(await login('nobody', ALICE_PASSWORD), 401, 'invalid_credentials');
  });

  it('an ambiguous username (two entries) gets the same 401, even with the right password', async () => {
    expectErrorBody(await login('twin', ALICE_PASSWORD), 401, 'invalid_credentials');
  });

  it('an empty password is refused with 400 before reaching the directory', async () => {
    expectErrorBody(await login('alice', ''), 400, 'invalid_request');
  });

  it.each(['*', 'al*', '*ice', 'admin)(|(uid=*', 'alice)(uid=alice', '*)(uid=*))(|(uid=*', '\\2a', 'alic\\65', 'alice\u0000'])(
    'LDAP filter injection in the username (%j) is 401, never a token',
    async (username) => {
      expectErrorBody(await login(username, ALICE_PASSWORD), 401, 'invalid_credentials');
    },
  );

  it('a stopped directory is 503 identity_store_unavailable, and a restarted one serves again', async () => {
    await login('alice', ALICE_PASSWORD); // the pool holds connections to the old process
    await slapd.stop();
    try {
      const started = Date.now();
      expectErrorBody(await login('alice', ALICE_PASSWORD), 503, 'identity_store_unavailable');
      expect(Date.now() - started).toBeLessThan(2 * TIMEOUT_MS + 1000);
      // The server itself keeps answering.
      expect((await server.get('/oauth2/default/jwks')).status).toBe(200);
    } finally {
      await slapd.restart();
    }
    const res = await login('alice', ALICE_PASSWORD);
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.issued_token)).toMatchObject({ email: 'alice@example.com' });
    expectErrorBody(await login('alice', 'wrong-password'), 401, 'invalid_credentials');
  }, 30_000);

  it('a hung directory (accepts, never answers) is 503 within the timeouts, not a hang', async () => {
    slapd.freeze();
    try {
      const started = Date.now();
      expectErrorBody(await login('alice', ALICE_PASSWORD), 503, 'identity_store_unavailable');
      expect(Date.now() - started).toBeLessThan(2 * TIMEOUT_MS + 1000);
    } finally {
      slapd.thaw();
    }
    expect((await login('alice', ALICE_PASSWORD)).status).toBe(200);
  }, 30_000);

  it('a directory that refuses the service account is 503, not 401', async () => {
    const other = await startTestServer({
      root: await rootRealm({ identity_store: ldapStore({ bind_dn: `cn=nobody,${LDAP_SUFFIX}` }) }),
    });
    try {
      expectErrorBody(await other.post(TRANSLATE, usernameToOidc('alice', ALICE_PASSWORD)), 503, 'identity_store_unavailable');
    } finally {
      await other.close();
    }
  });

  it('principal_attribute and a custom user_filter (mail) pick the principal from the entry', async () => {
    const other = await startTestServer({
      root: await rootRealm({ identity_store: ldapStore({ user_filter: '(&(objectClass=inetOrgPerson)(mail={username}))', principal_attribute: 'uid' }) }),
    });
    try {
      const res = await other.post(TRANSLATE, usernameToOidc('alice@example.com', ALICE_PASSWORD));
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.issued_token)).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
      expectErrorBody(await other.post(TRANSLATE, usernameToOidc('*@example.com', ALICE_PASSWORD)), 401, 'invalid_credentials');
    } finally {
      await other.close();
    }
  });

  describe('looking a user up without a password (session details)', () => {
    const storeOf = async (extra: Record<string, unknown> = {}) =>
      new LdapIdentityStore(await ldapSettings({ ...ldapStore(), ...extra } as unknown as IdentityStoreConfig, '/', { [PASSWORD_ENV]: slapd.servicePassword }));

    it('finds the entry by the service account and answers its current attributes', async () => {
      await expect((await storeOf()).lookup('alice')).resolves.toEqual({ username: 'alice', attributes: { mail: 'alice@example.com', cn: 'Alice Example' } });
    });

    it('answers null for an unknown, an ambiguous and a wildcard principal (the filter is escaped)', async () => {
      const store = await storeOf();
      for (const principal of ['nobody', 'twin', 'ali*', '*']) await expect(store.lookup(principal)).resolves.toBeNull();
    });

    it('with principal_attribute, finds the entry by that attribute, whatever the login filter', async () => {
      const store = await storeOf({ user_filter: '(&(objectClass=inetOrgPerson)(mail={username}))', principal_attribute: 'uid' });
      await expect(store.lookup('alice')).resolves.toMatchObject({ username: 'alice', attributes: { mail: 'alice@example.com' } });
      await expect(store.lookup('alice@example.com')).resolves.toBeNull();
    });

    it('is 503 identity_store_unavailable when the directory is not there', async () => {
      const store = await storeOf({ url: `ldap://127.0.0.1:${await freePort()}` });
      await expect(store.lookup('alice')).rejects.toMatchObject({ status: 503, code: 'identity_store_unavailable' });
    });

    it('answers session_info with resolve_to_user from the directory', async () => {
      const sessions = await startTestServer({
        root: await rootRealm({
          identity_store: ldapStore(),
          instances: { portal: { supported_token_transforms: [{ from: 'USERNAME', to: 'SESSION' }], session: { form: 'opaque' } } },
        }),
      });
      try {
        const session = (await sessions.post('/rest-sts/portal?_action=translate', { input_token_state: { token_type: 'USERNAME', username: 'alice', password: ALICE_PASSWORD }, output_token_state: { token_type: 'SESSION' } })).body.issued_token;
        const res = await sessions.post('/rest-sts/portal?_action=session_info', { session_token: session, resolve_to_user: true });
        expect(res.status).toBe(200);
        expect(res.body.user).toEqual({ username: 'alice', attributes: { mail: 'alice@example.com', cn: 'Alice Example' } });
      } finally {
        await sessions.close();
      }
    });
  });

  it('an empty password never reaches the directory (no unauthenticated bind), even when called directly', async () => {
    // Port with nothing listening: any connection attempt would be a 503, so null proves no bind.
    const config = { ...ldapStore(), url: `ldap://127.0.0.1:${await freePort()}` } as unknown as IdentityStoreConfig;
    const store = new LdapIdentityStore(await ldapSettings(config, '/', { [PASSWORD_ENV]: 'x' }));
    await expect(store.authenticate('alice', '')).resolves.toBeNull();
    await expect(store.authenticate('alice', 'x')).rejects.toMatchObject({ status: 503, code: 'identity_store_unavailable' });
  });

  describe('load-time refusals', () => {
    const registry = new TokenTypeRegistry([builtinTokenTypes()]);
    const P = 'identity_store';

    async function load(store: Record<string, unknown>, env: NodeJS.ProcessEnv = { [PASSWORD_ENV]: 'secret' }) {
      const dir = await writeConfigDir({ root: await rootRealm({ identity_store: store }) });
      return loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env, registry });
    }

    it('a missing bind password variable', async () => {
      expectConfigProblem(await configErrorOf(load(ldapStore(), {})), `${P}.bind_password_env`, /STS_TEST_LDAP_BIND_PASSWORD is not set/);
    });

    it('a url that is not ldap:// or ldaps://', async () => {
      expectConfigProblem(await configErrorOf(load(ldapStore({ url: 'http://127.0.0.1:389' }))), `${P}.url`, /ldap:\/\/host/);
    });

    it('a missing base_dn', async () => {
      const { base_dn: _omitted, ...store } = ldapStore();
      expectConfigProblem(await configErrorOf(load(store)), `${P}.base_dn`, /base_dn/);
    });

    it('a user_filter without {username} or that does not parse', async () => {
      expectConfigProblem(await configErrorOf(load(ldapStore({ user_filter: '(uid=alice)' }))), `${P}.user_filter`, /\{username\}/);
      expectConfigProblem(await configErrorOf(load(ldapStore({ user_filter: '(uid={username}' }))), `${P}.user_filter`, /not a valid LDAP filter/);
    });

    it('keys of the other store type, and an unknown type', async () => {
      expectConfigProblem(await configErrorOf(load(ldapStore({ users: [] }))), `${P}.users`, /only applies to identity_store type file/);
      expectConfigProblem(await configErrorOf(load({ type: 'file', users: [], url: 'ldap://x' })), `${P}.url`, /only applies to identity_store type ldap/);
      expectConfigProblem(await configErrorOf(load({ type: 'kerberos' })), `${P}.type`, /file, ldap/);
    });

    it('a missing ca_file, and TLS settings on a plain ldap:// url', async () => {
      const url = 'ldaps://127.0.0.1:636';
      expectConfigProblem(await configErrorOf(load(ldapStore({ url, ca_file: 'no-such-ca.pem' }))), `${P}.ca_file`, /^no-such-ca\.pem: file not found \(relative to the configuration directory \/.+\)$/);
      expectConfigProblem(await configErrorOf(load(ldapStore({ ca_file: 'ca.pem' }))), `${P}.ca_file`, /ldaps:\/\/ url or start_tls/);
      expectConfigProblem(await configErrorOf(load(ldapStore({ url, start_tls: true }))), `${P}.start_tls`, /ldaps:\/\/ is TLS already/);
    });

    it('out-of-range timeouts and pool size', async () => {
      expectConfigProblem(await configErrorOf(load(ldapStore({ pool_size: 0 }))), `${P}.pool_size`, /pool_size/);
      expectConfigProblem(await configErrorOf(load(ldapStore({ timeout_ms: 'soon' }))), `${P}.timeout_ms`, /timeout_ms/);
    });
  });
});
