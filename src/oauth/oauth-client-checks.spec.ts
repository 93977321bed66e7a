import { hashPassword } from '../identity/scrypt-password';
import type { InstanceSettings } from '../plugin-api/settings';
import { oauthClientProblems } from './oauth-client-checks';

const problemsOf = (clients: object[], env: NodeJS.ProcessEnv = {}) =>
  oauthClientProblems({ oauth_clients: clients } as unknown as InstanceSettings, env);

describe('oauthClientProblems', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashPassword('a secret', { ln: 14, r: 8, p: 1 });
  });

  it('accepts hashed and environment clients', () => {
    expect(problemsOf([{ client_id: 'a', client_secret_hash: hash }, { client_id: 'b', client_secret_env: 'B' }], { B: 'x'.repeat(16) })).toEqual([]);
  });

  it.each([
    ['a duplicate client_id', () => [{ client_id: 'a', client_secret_hash: hash }, { client_id: 'a', client_secret_hash: hash }], 'oauth_clients[1].client_id', /duplicate client_id "a"/],
    ['neither secret source', () => [{ client_id: 'a' }], 'oauth_clients[0]', /exactly one of client_secret_hash and client_secret_env/],
    ['both secret sources', () => [{ client_id: 'a', client_secret_hash: hash, client_secret_env: 'B' }], 'oauth_clients[0]', /exactly one/],
    ['a weak scrypt hash', () => [{ client_id: 'a', client_secret_hash: hash.replace('ln=14', 'ln=10') }], 'oauth_clients[0].client_secret_hash', /too weak/],
    ['an unset variable', () => [{ client_id: 'a', client_secret_env: 'NOT_SET' }], 'oauth_clients[0].client_secret_env', /NOT_SET is not set/],
    ['a short environment secret', () => [{ client_id: 'a', client_secret_env: 'B' }], 'oauth_clients[0].client_secret_env', /shorter than 16/],
  ])('refuses %s', (_, clients, path, message) => {
    const problems = problemsOf(clients(), { B: 'short' });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toMatch(message);
  });

  it('refuses cancel_requires_client_authentication without a client to authenticate', () => {
    const settings = (clients: object[]) => ({ oauth_clients: clients, cancel_requires_client_authentication: true }) as unknown as InstanceSettings;
    expect(oauthClientProblems(settings([]), {})).toEqual([
      { path: 'cancel_requires_client_authentication', message: expect.stringMatching(/at least one entry in oauth_clients/) },
    ]);
    expect(oauthClientProblems(settings([{ client_id: 'a', client_secret_hash: hash }]), {})).toEqual([]);
  });
});
