/**
 * token_fulfillment mistakes refused at load, each naming the file, the key path and (for
 * expressions) the line and column: nothing is connected to and no request is needed to find them.
 */
import 'reflect-metadata';
import { rm } from 'node:fs/promises';
import { expectConfigProblem } from '../../support/config-errors';
import { type Json, oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { startupError, writeConfigDir } from '../../support/test-server';

const PG_ENV = 'STS_TEST_FULFILLMENT_CONFIG_PG';

const SOURCES = [
  { name: 'ldap', type: 'ldap', url: 'ldap://127.0.0.1:1', bind_dn: 'cn=x', bind_password_env: 'STS_TEST_NO_SUCH_PASSWORD_VARIABLE', base_dn: 'dc=x' },
  { name: 'hr', type: 'sql', driver: 'postgres', connection_env: PG_ENV },
  { name: 'profile', type: 'http', base_url: 'https://profiles.test' },
];

async function problemsOf(fulfillment: Json, sources: Json[] = SOURCES) {
  const dir = await writeConfigDir({ root: await rootRealm({ attribute_sources: sources, instances: { default: oidcInstance('RS256', 'rsa-1', { token_fulfillment: fulfillment }) } }) });
  try {
    return await startupError(dir);
  } finally {
    await rm(dir.root, { recursive: true, force: true });
  }
}

const AT = 'instances.default.token_fulfillment';

describe('token_fulfillment refused at load', () => {
  beforeAll(() => {
    process.env[PG_ENV] = 'postgres://nobody@127.0.0.1:1/none';
  });
  afterAll(() => {
    delete process.env[PG_ENV];
  });

  it('a syntax error names the key path, line and column', async () => {
    const error = await problemsOf({ attributes: { full_name: "ldap.givenName + ' ' +" } });
    expectConfigProblem(error, `${AT}.attributes.full_name`, /^syntax error at line 1, column 22: /);
  });

  it('an unknown namespace, variable or function is refused, listing what exists', async () => {
    const error = await problemsOf({
      lookups: [{ source: 'hr', query: 'SELECT department FROM staff WHERE login = $1' }],
      attributes: { a: 'ldap.mail', b: 'hr.department.toUpper()' },
      subject: 'mail',
      issuance_criteria: [{ condition: "lookup(principal) == 'x'", message: 'no' }],
    });
    expectConfigProblem(error, `${AT}.attributes.a`, /^unknown name "ldap" at line 1, column 1; expressions can use principal, token, session, request, hr$/);
    expectConfigProblem(error, `${AT}.attributes.b`, /^unknown function "toUpper"/);
    expectConfigProblem(error, `${AT}.subject`, /^unknown name "mail"/);
    expectConfigProblem(error, `${AT}.issuance_criteria[0].condition`, /^unknown function "lookup" at line 1, column 1/);
  });

  it('an expression over the cost limit is refused with its estimate', async () => {
    const error = await problemsOf({ cost_limit: 1000, attributes: { pairs: 'token.groups.map(a, token.groups.map(b, a + b))' } });
    expectConfigProblem(error, `${AT}.attributes.pairs`, /^estimated cost \d+ is over the limit 1000 \(lists taken as 256 long\)/);
  });

  it('a lookup must name a source of the realm, with the keys its type needs', async () => {
    const error = await problemsOf({
      lookups: [
        { source: 'crm' },
        { source: 'hr', query: "DELETE FROM staff WHERE login = $1" },
        { source: 'hr', as: 'hr2', query: "SELECT department FROM staff WHERE login = 'alice'" },
        { source: 'profile' },
        { source: 'ldap', filter: '(uid={key})' },
        { source: 'ldap', as: 'token', filter: '(uid={key})' },
      ],
    });
    expectConfigProblem(error, `${AT}.lookups[0].source`, /^no attribute source "crm" in this realm \(it has ldap, hr, profile\)$/);
    expectConfigProblem(error, `${AT}.lookups[1].query`, /^must be one SELECT/);
    expectConfigProblem(error, `${AT}.lookups[2].query`, /^must use the key as the parameter \$1/);
    expectConfigProblem(error, `${AT}.lookups[3].path`, /^missing; a lookup in the http source "profile" needs a path/);
    // The password variable belongs to the source: reported there.
    expectConfigProblem(error, 'attribute_sources[0].bind_password_env', /STS_TEST_NO_SUCH_PASSWORD_VARIABLE is not set/);
    expectConfigProblem(error, `${AT}.lookups[5].as`, /^the namespace "token" is taken/);
  });

  it('sources missing the keys of their type, unsafe URLs and repeated names are refused', async () => {
    const error = await problemsOf({}, [
      { name: 'hr', type: 'sql', driver: 'postgres' },
      { name: 'files', type: 'sql' },
      { name: 'web', type: 'http', base_url: 'http://profiles.test' },
      { name: 'dir', type: 'ldap', url: 'ldap://127.0.0.1:1' },
      { name: 'hr', type: 'http', base_url: 'https://x.test' },
      { name: 'api', type: 'http', base_url: 'https://x.test', bearer_token_env: 'STS_TEST_NO_SUCH_TOKEN_VARIABLE' },
    ]);
    expectConfigProblem(error, 'attribute_sources[0].connection_env', /^missing/);
    expectConfigProblem(error, 'attribute_sources[1].driver', /^missing; a sql source needs driver/);
    expectConfigProblem(error, 'attribute_sources[2].base_url', /must use https \(http is allowed only for loopback hosts\)/);
    expectConfigProblem(error, 'attribute_sources[3].bind_dn', /^missing; an ldap source needs bind_dn/);
    expectConfigProblem(error, 'attribute_sources[4].name', /^"hr" names another source too/);
    expectConfigProblem(error, 'attribute_sources[5].bearer_token_env', /^environment variable STS_TEST_NO_SUCH_TOKEN_VARIABLE is not set$/);
  });

  it('a bearer_token_env that is not a variable name is refused by the schema', async () => {
    const error = await problemsOf({}, [{ name: 'api', type: 'http', base_url: 'https://x.test', bearer_token_env: 'not a name' }]);
    expectConfigProblem(error, 'attribute_sources[0].bearer_token_env', /must be an environment variable name/);
  });

  it('keys of another source type or driver are refused, not ignored', async () => {
    const error = await problemsOf({}, [
      { name: 'web', type: 'http', base_url: 'https://x.test', driver: 'sqlite' },
      { name: 'db', type: 'sql', driver: 'sqlite', file: 'x.sqlite', connection_env: PG_ENV, url: 'ldap://127.0.0.1' },
    ]);
    expectConfigProblem(error, 'attribute_sources[0].driver', /^driver only applies to sources of type sql$/);
    expectConfigProblem(error, 'attribute_sources[1].connection_env', /^connection_env only applies to sql sources with driver postgres$/);
    expectConfigProblem(error, 'attribute_sources[1].url', /^url only applies to sources of type ldap$/);
  });

  it('lookup keys of another source type are refused, not ignored', async () => {
    const error = await problemsOf({ lookups: [{ source: 'hr', query: 'SELECT a FROM b WHERE c = $1', filter: '(uid={key})' }, { source: 'profile', path: '/u/{key}', query: 'SELECT 1 WHERE $1 = $1' }] });
    expectConfigProblem(error, `${AT}.lookups[0].filter`, /^filter only applies to lookups in ldap sources; "hr" is sql$/);
    expectConfigProblem(error, `${AT}.lookups[1].query`, /^query only applies to lookups in sql sources; "profile" is http$/);
  });

  it('a source name that cannot be a namespace is refused by the schema', async () => {
    const error = await problemsOf({}, [{ name: 'Bad-Name', type: 'http', base_url: 'https://x.test' }]);
    expectConfigProblem(error, 'attribute_sources[0].name', /lower-case identifier/);
  });

  it('a criterion limited to an output type the instance does not issue is refused', async () => {
    const error = await problemsOf({ issuance_criteria: [{ condition: 'true', message: 'x', output_types: ['SAML2'] }] });
    expectConfigProblem(error, `${AT}.issuance_criteria[0].output_types[0]`, /^the instance issues no SAML2 tokens \(it issues OPENIDCONNECT\)$/);
  });
});
