/**
 * Two nodes on one Redis, each with its own data directory, sign with a rotating key: the ring
 * and the key come from Redis, so an ID token issued by one node verifies with the other's JWKS
 * (jose, a verifier we did not write) and validates on the other node. (The refusal without a
 * key-wrapping key is in src/keys/rotation/shared-key-rings.spec.ts.)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEMO_PASSWORD, oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../support/redis-server';
import { startTestServer, type TestServer } from '../../support/test-server';

const login = { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT' } };

let redis: RedisTestServer;
let nodes: TestServer[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  process.env.TEST_KEY_WRAPPING_KEY = randomBytes(32).toString('base64');
  const realm = await rootRealm({
    keys: [{ kid: 'ring', use: 'sig', generate: { type: 'ec', curve: 'P-256' }, rotation: { every_days: 30 } }],
    // Persisted, so that validate is supported; the signature is checked either way.
    instances: { default: oidcInstance('ES256', 'ring', { persist_issued_tokens: true }) },
  });
  const serverConfig = { token_store: { type: 'redis', redis: { url: redis.url, key_wrapping_key_env: 'TEST_KEY_WRAPPING_KEY' } } };
  nodes = await Promise.all([startTestServer({ root: realm }, {}, serverConfig), startTestServer({ root: realm }, {}, serverConfig)]);
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  await redis?.stop();
  stopAllRedisServers();
  delete process.env.TEST_KEY_WRAPPING_KEY;
});

it('signs on either node with the same rotating key, without a shared data directory', async () => {
  const [a, b] = nodes;
  expect(a.dataDir).not.toBe(b.dataDir);
  const [jwksA, jwksB] = await Promise.all([a.get('/oauth2/default/jwks'), b.get('/oauth2/default/jwks')]);
  expect(jwksA.status).toBe(200);
  expect(jwksB.body).toEqual(jwksA.body);
  expect(jwksA.body.keys.map((k: { kid: string }) => k.kid)).toEqual(['ring.v1']);

  for (const [issuer, verifier] of [[a, b], [b, a]]) {
    const issued = await issuer.post('/rest-sts/default?_action=translate', login);
    expect(issued.status).toBe(200);
    const { protectedHeader } = await jwtVerify(issued.body.issued_token, createLocalJWKSet((await verifier.get('/oauth2/default/jwks')).body));
    expect(protectedHeader.kid).toBe('ring.v1');
    const validated = await verifier.post('/rest-sts/default?_action=validate', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: issued.body.issued_token } });
    expect(validated.status).toBe(200);
    expect(validated.body.token_valid).toBe(true);
  }
});
