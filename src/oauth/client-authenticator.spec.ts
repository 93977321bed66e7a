import { hashPassword } from '../identity/scrypt-password';
import { isStsError } from '../errors/sts-errors';
import type { InstanceSettings } from '../plugin-api/settings';
import { ClientAuthenticator } from './client-authenticator';

const COST = { ln: 14, r: 8, p: 1 };

function settings(clients: object[]): InstanceSettings {
  return { oauth_clients: clients } as unknown as InstanceSettings;
}

async function failure(promise: Promise<unknown>): Promise<[number, string]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStsError(error)) throw new Error(`expected an StsError, got ${String(error)}`);
  return [error.status, error.code];
}

describe('ClientAuthenticator', () => {
  let hashed: InstanceSettings;

  beforeAll(async () => {
    hashed = settings([
      { client_id: 'rs', client_secret_hash: await hashPassword('correct horse battery', COST) },
      { client_id: 'env-client', client_secret_env: 'TEST_CLIENT_SECRET' },
    ]);
  });

  const env = { TEST_CLIENT_SECRET: 'an-env-secret-of-some-length' };

  it('accepts the secret of a hashed client, again and again', async () => {
    const authenticator = ClientAuthenticator.of(hashed, env);
    await expect(authenticator.authenticate({ clientId: 'rs', secret: 'correct horse battery' })).resolves.toBe('rs');
    await expect(authenticator.authenticate({ clientId: 'rs', secret: 'correct horse battery' })).resolves.toBe('rs');
  });

  it('refuses a wrong secret before and after a success, and an unknown client, all alike', async () => {
    const authenticator = ClientAuthenticator.of(settings([{ client_id: 'rs', client_secret_hash: (hashed.oauth_clients[0].client_secret_hash) }]), env);
    expect(await failure(authenticator.authenticate({ clientId: 'rs', secret: 'wrong' }))).toEqual([401, 'invalid_client']);
    await authenticator.authenticate({ clientId: 'rs', secret: 'correct horse battery' });
    expect(await failure(authenticator.authenticate({ clientId: 'rs', secret: 'correct horse batter' }))).toEqual([401, 'invalid_client']);
    expect(await failure(authenticator.authenticate({ clientId: 'nobody', secret: 'correct horse battery' }))).toEqual([401, 'invalid_client']);
  });

  it('checks a client whose secret comes from the environment', async () => {
    const authenticator = ClientAuthenticator.of(hashed, env);
    await expect(authenticator.authenticate({ clientId: 'env-client', secret: env.TEST_CLIENT_SECRET })).resolves.toBe('env-client');
    expect(await failure(authenticator.authenticate({ clientId: 'env-client', secret: 'an-env-secret' }))).toEqual([401, 'invalid_client']);
  });

  it('refuses an environment client whose variable has gone', async () => {
    const authenticator = ClientAuthenticator.of(settings([{ client_id: 'env-client', client_secret_env: 'UNSET_VARIABLE_X' }]), {});
    expect(await failure(authenticator.authenticate({ clientId: 'env-client', secret: '' }))).toEqual([401, 'invalid_client']);
  });

  it('builds one authenticator per instance configuration', () => {
    expect(ClientAuthenticator.of(hashed, env)).toBe(ClientAuthenticator.of(hashed, env));
    expect(ClientAuthenticator.of(settings([]), env)).not.toBe(ClientAuthenticator.of(hashed, env));
  });
});
