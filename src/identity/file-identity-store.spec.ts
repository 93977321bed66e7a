import { DEMO_PASSWORD, testPasswordHash } from '../../test/support/realm-fixtures';
import type { FileUserConfig } from '../realms/schema/identity-store-config';
import { FileIdentityStore } from './file-identity-store';
import * as scrypt from './scrypt-password';

describe('FileIdentityStore', () => {
  let store: FileIdentityStore;
  let aliceHash: string;

  beforeAll(async () => {
    aliceHash = await testPasswordHash();
    const users: FileUserConfig[] = [
      { username: 'alice', password_hash: aliceHash, attributes: { mail: 'alice@example.com', groups: ['staff'] } },
      { username: 'bob', password_hash: await testPasswordHash('bob password'), attributes: {} },
    ];
    store = await FileIdentityStore.create(users);
  });

  afterEach(() => jest.restoreAllMocks());

  it('returns the identity and its attributes for the right password', async () => {
    await expect(store.authenticate('alice', DEMO_PASSWORD)).resolves.toEqual({
      username: 'alice',
      attributes: { mail: 'alice@example.com', groups: ['staff'] },
    });
    await expect(store.authenticate('bob', 'bob password')).resolves.toEqual({ username: 'bob', attributes: {} });
  });

  it('returns null for a wrong password', async () => {
    await expect(store.authenticate('alice', 'bob password')).resolves.toBeNull();
    await expect(store.authenticate('bob', DEMO_PASSWORD)).resolves.toBeNull();
  });

  it('returns null for an unknown user, even with a password another user has', async () => {
    await expect(store.authenticate('mallory', DEMO_PASSWORD)).resolves.toBeNull();
    await expect(store.authenticate('Alice', DEMO_PASSWORD)).resolves.toBeNull();
  });

  it('runs one scrypt verification for an unknown user, at the cost of the stored hashes', async () => {
    const verify = jest.spyOn(scrypt, 'verifyPassword');
    await expect(store.authenticate('mallory', DEMO_PASSWORD)).resolves.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
    const [password, against] = verify.mock.calls[0];
    expect(password).toBe(DEMO_PASSWORD);
    expect(against).toMatchObject({ ln: 14, r: 8, p: 1 });
    expect(against.hash.equals(scrypt.parseScryptHash(aliceHash).hash)).toBe(false);
  });

  it('runs one scrypt verification for a known user with a wrong password', async () => {
    const verify = jest.spyOn(scrypt, 'verifyPassword');
    await expect(store.authenticate('alice', 'nope')).resolves.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0][1].salt.equals(scrypt.parseScryptHash(aliceHash).salt)).toBe(true);
  });

  it('hands out identities that callers cannot change', async () => {
    const identity = await store.authenticate('alice', DEMO_PASSWORD);
    expect(Object.isFrozen(identity)).toBe(true);
    expect(Object.isFrozen(identity!.attributes)).toBe(true);
  });

  it('a store without users refuses everyone, still running a verification', async () => {
    const empty = await FileIdentityStore.create([]);
    const verify = jest.spyOn(scrypt, 'verifyPassword');
    await expect(empty.authenticate('alice', DEMO_PASSWORD)).resolves.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
