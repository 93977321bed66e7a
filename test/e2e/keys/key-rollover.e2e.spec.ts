/**
 * Manual key rollover (README "Keys and rollover"): tokens are signed with the instance's active
 * signing_key; a key with retired_at signs nothing more and stays in /oauth2{P}/jwks until
 * retired_at + the realm's longest token lifetime + 5 minutes, then drops out. Switching keys by
 * rewriting the realm file keeps tokens signed with the old key verifiable.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { stringify } from 'yaml';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { DEMO_PASSWORD, testPasswordHash } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML under test

const MINUTE = 60_000;
const minutesAgo = (minutes: number): string => new Date(Date.now() - minutes * MINUTE).toISOString();

function ecKey(kid: string, extra: Json = {}): Json {
  return { kid, use: 'sig', generate: { type: 'ec', curve: 'P-256' }, ...extra };
}

/**
 * The realm's longest token lifetime is the OIDC instance's 120 minutes (the access token lives
 * 30), so a retired key stays published for 120 + 5 minutes after retired_at.
 */
function realmWith(keys: Json[], signingKey: string, passwordHash: string): Json {
  return {
    realm: '/',
    identity_store: { type: 'file', users: [{ username: 'alice', password_hash: passwordHash }] },
    keys,
    instances: {
      at: {
        supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
        access_token: { issuer: 'https://sts.test', audience: 'api', client_id: 'app', token_lifetime_minutes: 30, signature_algorithm: 'ES256', signing_key: signingKey },
      },
      id: {
        supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
        oidc: {
          issuer: 'https://sts.test',
          audience: 'rp',
          token_lifetime_seconds: 7200,
          signature_algorithm: 'ES256',
          signing_key: signingKey,
        },
      },
    },
  };
}

describe('key rollover', () => {
  let server: TestServer;
  let passwordHash: string;
  let realmFile: string;
  let keys: Json[];

  beforeAll(async () => {
    passwordHash = await testPasswordHash();
    keys = [
      ecKey('ec-active'),
      // Retired 100 minutes ago: longer ago than the access token lifetime (30 + 5), but within
      // the realm's longest lifetime (120 + 5), so an ID token it signed may still be valid.
      ecKey('ec-recent', { retired_at: minutesAgo(100) }),
      // Retired 122 minutes ago: its last ID tokens have expired, but a verifier may still
      // accept them for up to 5 minutes of clock skew.
      ecKey('ec-skew', { retired_at: minutesAgo(122) }),
      // Retired 127 minutes ago: every token it signed has expired, skew included.
      ecKey('ec-old', { retired_at: minutesAgo(127) }),
    ];
    server = await startTestServer({ root: realmWith(keys, 'ec-active', passwordHash) });
    realmFile = join(server.configDir, 'realms', 'root.yaml');
  });
  afterAll(() => server.close());

  const kidsOf = async (instance: string): Promise<string[]> => {
    const res = await server.get(`/oauth2/${instance}/jwks`);
    expect(res.status).toBe(200);
    return (res.body.keys as JWK[]).map((k) => k.kid!).sort();
  };
  const jwksOf = async (instance: string): Promise<{ keys: JWK[] }> => (await server.get(`/oauth2/${instance}/jwks`)).body;

  async function issue(instance: 'at' | 'id'): Promise<string> {
    const res = await server.post(`/rest-sts/${instance}?_action=translate`, {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: instance === 'at' ? 'JWT' : 'OPENIDCONNECT' },
    });
    expect(res.status).toBe(200);
    return res.body.issued_token;
  }

  it('publishes the active key and a recently retired one, but not a key retired longer ago than the longest lifetime + 5 minutes', async () => {
    expect(await kidsOf('at')).toEqual(['ec-active', 'ec-recent', 'ec-skew']);
    expect(await kidsOf('id')).toEqual(['ec-active', 'ec-recent', 'ec-skew']);
  });

  it('signs with the instance\'s active signing_key, which the JWKS verifies', async () => {
    const jwks = createLocalJWKSet(await jwksOf('at'));
    for (const instance of ['at', 'id'] as const) {
      const token = await issue(instance);
      expect(decodeProtectedHeader(token).kid).toBe('ec-active');
      await expect(jwtVerify(token, jwks)).resolves.toMatchObject({ payload: { sub: 'alice' } });
    }
  });

  describe('switching signing_key by rewriting the realm file', () => {
    let oldToken: string;
    let registry: RealmRegistry;

    beforeAll(async () => {
      registry = server.app.get(RealmRegistry);
      oldToken = await issue('at');
      keys = [ecKey('ec-next'), ecKey('ec-active', { retired_at: new Date().toISOString() }), ...keys.slice(1)];
      await writeFile(realmFile, stringify(realmWith(keys, 'ec-next', passwordHash)));
      await expect(registry.reload()).resolves.toEqual({ applied: true });
    });

    it('signs new tokens with the new key', async () => {
      for (const instance of ['at', 'id'] as const) expect(decodeProtectedHeader(await issue(instance)).kid).toBe('ec-next');
    });

    it('keeps the key retired now published beside the new one, so tokens it signed still verify', async () => {
      expect(await kidsOf('at')).toEqual(['ec-active', 'ec-next', 'ec-recent', 'ec-skew']);
      const jwks = createLocalJWKSet(await jwksOf('at'));
      expect(decodeProtectedHeader(oldToken).kid).toBe('ec-active');
      await expect(jwtVerify(oldToken, jwks)).resolves.toMatchObject({ payload: { sub: 'alice' } });
      await expect(jwtVerify(await issue('at'), jwks)).resolves.toMatchObject({ payload: { sub: 'alice' } });
    });

    it('refuses a reload that points signing_key back at the retired key, and keeps serving the last good configuration', async () => {
      await writeFile(realmFile, stringify(realmWith(keys, 'ec-active', passwordHash)));
      const outcome = await registry.reload();
      expect(outcome.applied).toBe(false);
      if (outcome.applied) return;
      expect(outcome.error.problems).toContainEqual(
        expect.objectContaining({ path: 'instances.at.access_token.signing_key', message: expect.stringMatching(/"ec-active" is retired/) }),
      );
      expect(outcome.error.problems).toContainEqual(
        expect.objectContaining({ path: 'instances.id.oidc.signing_key', message: expect.stringMatching(/"ec-active" is retired/) }),
      );
      expect(decodeProtectedHeader(await issue('at')).kid).toBe('ec-next');
    });
  });
});
