/**
 * token_fulfillment over HTTP against real sources started here: a slapd directory, a PostgreSQL
 * server, a SQLite file and a local JSON service. Claims computed from three sources, issuance
 * criteria, sources that are down, slow or answer too much, injection through principal names,
 * cost limit and evaluation errors, and what introspection shows.
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { LocalHttpServer } from '../../support/local-http-server';
import { PostgresTestServer, startPostgres, stopAllPostgres } from '../../support/postgres-server';
import { DEMO_PASSWORD, fileIdentityStore, type Json, rootRealm, testPasswordHash, usernameTo } from '../../support/realm-fixtures';
import { LDAP_SUFFIX, SlapdTestServer, startSlapd, stopAllSlapds } from '../../support/slapd';
import { startTestServer, TestServer } from '../../support/test-server';
import { expectRefused, issuedJwtClaims } from '../../support/translate-results';

const LDAP_PASSWORD_ENV = 'STS_TEST_FULFILLMENT_LDAP_PASSWORD';
const PG_URL_ENV = 'STS_TEST_FULFILLMENT_PG_URL';
const TIMEOUT_MS = 1000;
/** Usernames that would match alice if they reached a filter or a query as text. */
const INJECTIONS = ['alic*', '*', 'alice)(uid=*', "x' OR login = 'alice", "alice' --", '..'];

const translate = (server: TestServer, instance: string, body: Json) => server.post(`/rest-sts/${instance}?_action=translate`, body);
const asUser = (username: string, tokenType = 'OPENIDCONNECT') => usernameTo(tokenType, {}, username, DEMO_PASSWORD);

const oidc = (claimMap: Record<string, string>) => ({
  issuer: 'https://sts.test',
  audience: ['rp-client'],
  signature_algorithm: 'RS256',
  signing_key: 'rsa-1',
  claim_map: claimMap,
});

function instance(fulfillment: Json, claimMap: Record<string, string> = {}, extra: Json = {}): Json {
  return { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }], oidc: oidc(claimMap), token_fulfillment: fulfillment, ...extra };
}

const PROFILE_TOKEN_ENV = 'STS_TEST_PROFILE_TOKEN';
const PROFILE_TOKEN = 'profile-token-' + Math.random().toString(36).slice(2);
const ldapLookup = (extra: Json = {}) => ({ source: 'ldap', filter: '(uid={key})', attributes: ['givenName', 'sn', 'mail', 'businessCategory'], cache_seconds: 0, ...extra });
const hrLookup = (extra: Json = {}) => ({ source: 'hr', query: 'SELECT department, level FROM staff WHERE login = $1', cache_seconds: 0, ...extra });
const profileLookup = (extra: Json = {}) => ({ source: 'profile', path: '/users/{key}', cache_seconds: 0, ...extra });
const localLookup = (extra: Json = {}) => ({ source: 'local', query: 'SELECT badge FROM badges WHERE login = $1', cache_seconds: 0, ...extra });

describe('token fulfillment against real sources', () => {
  let slapd: SlapdTestServer;
  let postgres: PostgresTestServer;
  const profiles = new LocalHttpServer('application/json');
  let server: TestServer;

  beforeAll(async () => {
    slapd = await startSlapd([
      { uid: 'alice', password: 'x-' + Math.random(), mail: 'alice@example.com', extra: { givenName: 'Alice', sn: 'Liddell', businessCategory: ['app-mail', 'staff', 'app-wiki'] } },
      { uid: 'bob', password: 'x-' + Math.random(), extra: { givenName: 'Bob', sn: 'Builder' } },
    ]);
    postgres = await startPostgres();
    await postgres.sql('CREATE TABLE staff (login text PRIMARY KEY, department text NOT NULL, level int NOT NULL)');
    await postgres.sql("INSERT INTO staff VALUES ('alice', 'Research', 3), ('bob', 'Sales', 1)");
    // Many rows for one key: more than a token should carry.
    await postgres.sql('CREATE TABLE audit (login text, entry int)');
    await postgres.sql("INSERT INTO audit SELECT 'alice', n FROM generate_series(1, 1500) AS n");
    process.env[LDAP_PASSWORD_ENV] = slapd.servicePassword;
    process.env[PG_URL_ENV] = postgres.connectionString;
    process.env[PROFILE_TOKEN_ENV] = PROFILE_TOKEN;
    profiles.handler = (req, res) => {
      const [, kind, key] = decodeURIComponent(req.url ?? '').split('/');
      if (kind === 'slow') return void setTimeout(() => res.end('{}'), 3 * TIMEOUT_MS).unref();
      if (kind === 'big') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ blob: 'x'.repeat(4096) }));
      // The secured service answers only requests that carry its bearer token.
      if (kind === 'secure' && req.headers.authorization !== `Bearer ${PROFILE_TOKEN}`) return void res.writeHead(401).end();
      if (kind === 'text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('not json');
      if (key !== 'alice') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ locale: 'fr-FR', title: 'Dr' }));
    };
    await profiles.listen();

    const hash = await testPasswordHash();
    const users = Object.fromEntries(['alice', 'bob', 'nobody', ...INJECTIONS].map((name) => [name, { groups: ['app-sts', 'dev'] }]));
    users['many'] = { groups: Array.from({ length: 300 }, (_, i) => `g${i}`) };
    const realm = await rootRealm({
      identity_store: fileIdentityStore(hash, users),
      attribute_sources: [
        { name: 'ldap', type: 'ldap', url: slapd.url, bind_dn: slapd.serviceDn, bind_password_env: LDAP_PASSWORD_ENV, base_dn: LDAP_SUFFIX, timeout_ms: TIMEOUT_MS },
        { name: 'hr', type: 'sql', driver: 'postgres', connection_env: PG_URL_ENV, timeout_ms: TIMEOUT_MS },
        { name: 'local', type: 'sql', driver: 'sqlite', file: 'badges.sqlite' },
        { name: 'profile', type: 'http', base_url: profiles.origin, timeout_ms: TIMEOUT_MS, max_response_bytes: 1024 },
        { name: 'secured', type: 'http', base_url: profiles.origin, bearer_token_env: PROFILE_TOKEN_ENV, timeout_ms: TIMEOUT_MS },
      ],
      instances: {
        three: instance(
          {
            lookups: [ldapLookup(), hrLookup(), profileLookup({ required: false })],
            attributes: {
              full_name: "ldap.givenName + ' ' + ldap.sn",
              department: 'hr.department',
              app_groups: "has(ldap.businessCategory) ? ldap.businessCategory.filter(g, g.startsWith('app-')) : []",
              locale: "has(profile.locale) ? profile.locale : 'en'",
              email: "has(ldap.mail) ? ldap.mail : principal + '@example.com'",
            },
            issuance_criteria: [{ condition: 'hr.level >= 2', message: 'Only staff of level 2 or above may sign in here.' }],
          },
          { name: 'full_name', department: 'department', groups: 'app_groups', locale: 'locale', email: 'email' },
        ),
        inject: instance(
          { lookups: [ldapLookup(), hrLookup(), localLookup(), profileLookup()], attributes: { found: '[has(ldap.mail), has(hr.department), has(local.badge), has(profile.locale)]' } },
          { found: 'found' },
        ),
        sqlite: instance({ lookups: [localLookup()], attributes: { badge: 'local.badge' } }, { badge: 'badge' }),
        cached: instance({ lookups: [profileLookup({ cache_seconds: 60 })], attributes: { locale: 'profile.locale' } }, { locale: 'locale' }),
        http_slow: instance({ lookups: [profileLookup({ path: '/slow/{key}' })] }),
        http_big: instance({ lookups: [profileLookup({ path: '/big/{key}' })] }),
        http_secured: instance({ lookups: [{ source: 'secured', path: '/secure/{key}', cache_seconds: 0 }], attributes: { title: 'secured.title' } }, { title: 'title' }),
        http_unauthorized: instance({ lookups: [profileLookup({ path: '/secure/{key}' })] }),
        http_text: instance({ lookups: [profileLookup({ path: '/text/{key}' })] }),
        http_optional: instance({ lookups: [profileLookup({ path: '/slow/{key}', required: false })], attributes: { locale: "has(profile.locale) ? profile.locale : 'en'" } }, { locale: 'locale' }),
        pg_slow: instance({ lookups: [hrLookup({ query: 'SELECT department FROM staff WHERE login = $1 AND pg_sleep(3) IS NOT NULL' })] }),
        pg_many: instance({ lookups: [hrLookup({ query: 'SELECT entry FROM audit WHERE login = $1' })] }),
        context: instance({ attributes: { ctx: '[request.realm, request.instance, request.input_type, request.output_types, session.amr, has(request.client_id), principal]' } }, { ctx: 'ctx' }),
        // The key computed from the request (a mail address), for inputs whose principal is not the uid.
        by_mail: instance({ lookups: [ldapLookup({ filter: '(mail={key})', key: "principal + '@example.com'" })], attributes: { surname: 'ldap.sn' } }, { family_name: 'surname' }),
        ldap_only: instance({ lookups: [ldapLookup()], attributes: { mail: 'ldap.mail' } }, { email: 'mail' }),
        pg_only: instance({ lookups: [hrLookup()], attributes: { department: 'hr.department' } }, { department: 'department' }),
        per_output: {
          supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }, { from: 'USERNAME', to: 'JWT' }],
          oidc: oidc({}),
          access_token: { issuer: 'https://sts.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1' },
          token_fulfillment: {
            lookups: [hrLookup()],
            issuance_criteria: [{ condition: "hr.department == 'Research'", message: 'Access tokens are for Research only.', output_types: ['JWT'] }],
          },
        },
        no_token: instance({ max_list_length: 256, attributes: { shout: "principal + '!'" } }, { shout: 'shout' }),
        costly: instance({ max_list_length: 256, attributes: { n: 'size(token.groups)' } }, { n: 'n' }),
        broken: instance({ lookups: [ldapLookup()], attributes: { surname: 'ldap.surname' } }, { surname: 'surname' }),
        slow_expression: instance({ expression_timeout_ms: 1, cost_limit: 10_000_000, max_list_length: 400, attributes: { n: "token.groups.all(a, token.groups.all(b, a + ':' + b != principal))" } }, { n: 'n' }),
      },
    });
    server = await startTestServer({ root: realm });
    const badges = new Database(join(server.configDir, 'badges.sqlite'));
    badges.exec("CREATE TABLE badges (login TEXT, badge TEXT); INSERT INTO badges VALUES ('alice', 'B-17'), ('bob', 'B-42')");
    badges.close();
  }, 90_000);

  afterAll(async () => {
    await server?.close();
    await profiles.close();
    await slapd?.dispose();
    await postgres?.dispose();
    stopAllSlapds();
    stopAllPostgres();
    delete process.env[LDAP_PASSWORD_ENV];
    delete process.env[PG_URL_ENV];
    delete process.env[PROFILE_TOKEN_ENV];
  }, 30_000);

  it('computes claims from three sources (LDAP, PostgreSQL, HTTP) and the input', async () => {
    const claims = issuedJwtClaims(await translate(server, 'three', asUser('alice')));
    expect(claims).toMatchObject({ sub: 'alice', name: 'Alice Liddell', department: 'Research', groups: ['app-mail', 'app-wiki'], locale: 'fr-FR', email: 'alice@example.com' });
  });

  it('refuses with 403 issuance_criteria_not_met and the configured message when a criterion is false', async () => {
    const res = await translate(server, 'three', asUser('bob'));
    expectRefused(res, 403, 'issuance_criteria_not_met');
    expect(res.body.message).toBe('Only staff of level 2 or above may sign in here.');
  });

  it('limits a criterion to the output types it names', async () => {
    expect(issuedJwtClaims(await translate(server, 'per_output', asUser('bob'))).sub).toBe('bob');
    expectRefused(await translate(server, 'per_output', asUser('bob', 'JWT')), 403, 'issuance_criteria_not_met');
    expect(issuedJwtClaims(await translate(server, 'per_output', asUser('alice', 'JWT'))).sub).toBe('alice');
  });

  it('reads a SQLite file', async () => {
    expect(issuedJwtClaims(await translate(server, 'sqlite', asUser('bob'))).badge).toBe('B-42');
  });

  it('a principal no source knows gets empty namespaces (has() is false), not an error', async () => {
    expect(issuedJwtClaims(await translate(server, 'inject', asUser('nobody'))).found).toEqual([false, false, false, false]);
    expect(issuedJwtClaims(await translate(server, 'inject', asUser('alice'))).found).toEqual([true, true, true, true]);
  });

  it.each(INJECTIONS)('the principal %j reaches filters, queries and paths as a value only', async (username) => {
    expect(issuedJwtClaims(await translate(server, 'inject', asUser(username))).found).toEqual([false, false, false, false]);
  });

  it('offers the request and the session to expressions', async () => {
    expect(issuedJwtClaims(await translate(server, 'context', asUser('alice'))).ctx).toEqual(['/', '/context', 'USERNAME', ['OPENIDCONNECT'], ['pwd'], false, 'alice']);
  });

  it('looks up by a key computed with an expression', async () => {
    expect(issuedJwtClaims(await translate(server, 'by_mail', asUser('alice'))).family_name).toBe('Liddell');
  });

  it('caches an answer per key for cache_seconds', async () => {
    const before = profiles.count;
    for (let i = 0; i < 3; i++) expect(issuedJwtClaims(await translate(server, 'cached', asUser('alice'))).locale).toBe('fr-FR');
    expect(profiles.count - before).toBe(1);
  });

  describe('sources that fail', () => {
    it('a slow required HTTP source is 503 attribute_source_unavailable within its timeout', async () => {
      const started = Date.now();
      expectRefused(await translate(server, 'http_slow', asUser('alice')), 503, 'attribute_source_unavailable');
      expect(Date.now() - started).toBeLessThan(3 * TIMEOUT_MS);
    });

    it('an HTTP source sends its bearer token; without it the service refuses, and the lookup is 503 attribute_source_unavailable', async () => {
      expect(issuedJwtClaims(await translate(server, 'http_secured', asUser('alice'))).title).toBe('Dr');
      expect(profiles.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROFILE_TOKEN}`);
      expectRefused(await translate(server, 'http_unauthorized', asUser('alice')), 503, 'attribute_source_unavailable');
      expect(profiles.requests.at(-1)!.headers.authorization).toBeUndefined();
    });

    it('an HTTP answer over max_response_bytes, or not JSON, is 502 attribute_source_invalid_answer', async () => {
      expectRefused(await translate(server, 'http_big', asUser('alice')), 502, 'attribute_source_invalid_answer');
      expectRefused(await translate(server, 'http_text', asUser('alice')), 502, 'attribute_source_invalid_answer');
    });

    it('an optional source that fails is left out, and counted', async () => {
      expect(issuedJwtClaims(await translate(server, 'http_optional', asUser('alice'))).locale).toBe('en');
      const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^sts_attribute_lookups_total\{source="profile",outcome="unavailable"\} [1-9]/m);
      expect(metrics).toMatch(/^sts_attribute_lookups_total\{source="ldap",outcome="found"\} [1-9]/m);
    });

    it('a slow PostgreSQL query is stopped and answered 503 within the timeout', async () => {
      const started = Date.now();
      expectRefused(await translate(server, 'pg_slow', asUser('alice')), 503, 'attribute_source_unavailable');
      expect(Date.now() - started).toBeLessThan(3 * TIMEOUT_MS);
    });

    it('a query answering more rows than a token should carry is 502', async () => {
      expectRefused(await translate(server, 'pg_many', asUser('alice')), 502, 'attribute_source_invalid_answer');
    });

    it('PostgreSQL stopped is 503; started again, lookups work again', async () => {
      await postgres.stop();
      try {
        expectRefused(await translate(server, 'pg_only', asUser('alice')), 503, 'attribute_source_unavailable');
        expect((await server.get('/oauth2/three/jwks')).status).toBe(200);
      } finally {
        await postgres.restart();
      }
      expect(issuedJwtClaims(await translate(server, 'pg_only', asUser('alice'))).department).toBe('Research');
    }, 60_000);

    it('the directory stopped is 503; restarted, lookups work again', async () => {
      await slapd.stop();
      try {
        expectRefused(await translate(server, 'ldap_only', asUser('alice')), 503, 'attribute_source_unavailable');
      } finally {
        await slapd.restart();
      }
      expect(issuedJwtClaims(await translate(server, 'ldap_only', asUser('alice'))).email).toBe('alice@example.com');
    }, 30_000);
  });

  describe('expressions that fail', () => {
    it('a list longer than max_list_length is 422 expression_cost_exceeded', async () => {
      expectRefused(await translate(server, 'costly', asUser('many')), 422, 'expression_cost_exceeded');
      expect(issuedJwtClaims(await translate(server, 'costly', asUser('alice'))).n).toBe(2);
      // A namespace no expression names is not given to them, so its lists do not count.
      expect(issuedJwtClaims(await translate(server, 'no_token', asUser('many'))).shout).toBe('many!');
    });

    it('an expression naming an attribute the entry lacks is 500 expression_evaluation_failed, never a partial token', async () => {
      expectRefused(await translate(server, 'broken', asUser('alice')), 500, 'expression_evaluation_failed');
    });

    it('evaluation over the time limit is stopped: 500 expression_timeout', async () => {
      const started = Date.now();
      expectRefused(await translate(server, 'slow_expression', asUser('many')), 500, 'expression_timeout');
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});
