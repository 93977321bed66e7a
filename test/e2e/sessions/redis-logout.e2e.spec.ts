/**
 * Two nodes sharing one Redis token store: a session opened on one node is used on the other,
 * and once logged out on one node it is refused on the other (401 session_cancelled).
 */
import 'reflect-metadata';
import { DEMO_PASSWORD, rootRealm } from '../../support/realm-fixtures';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../support/redis-server';
import { startTwoNodes, type TestServer } from '../../support/test-server';
import { expectRefused, issuedJwtClaims, issuedToken } from '../../support/translate-results';

let redis: RedisTestServer;
let nodes: TestServer[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  const instance = {
    supported_token_transforms: [
      { from: 'USERNAME', to: 'SESSION' },
      { from: 'OPENAM', to: 'OPENIDCONNECT' },
    ],
    oidc: { issuer: 'https://sts.test', audience: ['rp-client'], signature_algorithm: 'RS256', signing_key: 'rsa-1' },
    session: { form: 'opaque' },
  };
  nodes = await startTwoNodes({ root: await rootRealm({ instances: { default: instance } }) }, {
    token_store: { type: 'redis', redis: { url: redis.url, key_prefix: 'sessions-test:' } },
  });
}, 60_000);
afterAll(async () => {
  for (const node of nodes) await node.close();
  await stopAllRedisServers();
});

const TRANSLATE = '/rest-sts/default?_action=translate';
const useSession = (node: TestServer, session_id: string) =>
  node.post(TRANSLATE, { input_token_state: { token_type: 'OPENAM', session_id }, output_token_state: { token_type: 'OPENIDCONNECT' } });

it('a session from one node works on the other until a logout on either; then both refuse it', async () => {
  const [a, b] = nodes;
  const session_id = issuedToken(
    await a.post(TRANSLATE, {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'SESSION' },
    }),
  );
  expect(issuedJwtClaims(await useSession(b, session_id))).toMatchObject({ sub: 'alice', amr: ['pwd'] });

  const logout = await b.post('/rest-sts/default?_action=cancel', { cancelled_token_state: { token_type: 'OPENAM', session_id } });
  expect(logout.status).toBe(200);

  expectRefused(await useSession(a, session_id), 401, 'session_cancelled');
  expectRefused(await useSession(b, session_id), 401, 'session_cancelled');
});
