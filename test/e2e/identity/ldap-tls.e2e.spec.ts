/** `identity_store: {type: ldap}` over ldaps:// and StartTLS, against a private slapd with a throw-away CA. */
import 'reflect-metadata';
import { rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { expectErrorBody } from '../../support/error-body';
import { LDAP_SUFFIX, SlapdTestServer, startSlapd, stopAllSlapds } from '../../support/slapd';
import { startTestServer } from '../../support/test-server';

const PASSWORD_ENV = 'STS_TEST_LDAPS_BIND_PASSWORD';
const ALICE_PASSWORD = 'alice-' + Math.random().toString(36).slice(2);

describe('LDAP identity store over TLS (real slapd)', () => {
  let slapd: SlapdTestServer;

  beforeAll(async () => {
    slapd = await startSlapd([{ uid: 'alice', password: ALICE_PASSWORD, mail: 'alice@example.com' }], { tls: true });
    process.env[PASSWORD_ENV] = slapd.servicePassword;
  }, 30_000);

  afterAll(async () => {
    await slapd?.dispose();
    stopAllSlapds();
    delete process.env[PASSWORD_ENV];
  });

  async function loginWith(store: Record<string, unknown>) {
    const server = await startTestServer({
      root: await rootRealm({
        identity_store: {
          type: 'ldap',
          bind_dn: slapd.serviceDn,
          bind_password_env: PASSWORD_ENV,
          base_dn: LDAP_SUFFIX,
          attributes: ['mail'],
          connect_timeout_ms: 1000,
          timeout_ms: 1000,
          ...store,
        },
      }),
    });
    try {
      return await server.post('/rest-sts/default?_action=translate', usernameToOidc('alice', ALICE_PASSWORD));
    } finally {
      await server.close();
    }
  }

  it('ldaps:// with the CA from ca_file', async () => {
    expect((await loginWith({ url: slapd.ldapsUrl, ca_file: slapd.caFile })).status).toBe(200);
  });

  it('StartTLS on ldap:// with the CA from ca_file', async () => {
    expect((await loginWith({ url: slapd.url, start_tls: true, ca_file: slapd.caFile })).status).toBe(200);
  });

  it('an untrusted server certificate is 503 identity_store_unavailable (ldaps:// and StartTLS)', async () => {
    expectErrorBody(await loginWith({ url: slapd.ldapsUrl }), 503, 'identity_store_unavailable');
    expectErrorBody(await loginWith({ url: slapd.url, start_tls: true }), 503, 'identity_store_unavailable');
  });

  it('tls_reject_unauthorized: false accepts it (test directories only)', async () => {
    expect((await loginWith({ url: slapd.ldapsUrl, tls_reject_unauthorized: false })).status).toBe(200);
  });
});
