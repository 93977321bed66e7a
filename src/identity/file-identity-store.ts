/** `identity_store: {type: file}`: users and PHC scrypt hashes listed in the realm file. */
import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../plugin-api/json';
import type { AuthenticatedIdentity, IdentityStore } from '../plugin-api/token-contract';
import type { FileUserConfig } from '../realms/schema/identity-store-config';
import { hashPassword, parseScryptHash, ScryptHash, verifyPassword } from './scrypt-password';

interface StoredUser {
  readonly hash: ScryptHash;
  readonly identity: AuthenticatedIdentity;
}

export class FileIdentityStore implements IdentityStore {
  private constructor(
    private readonly users: ReadonlyMap<string, StoredUser>,
    /** Hashed for unknown users so they cost the same time as a wrong password. */
    private readonly dummy: ScryptHash,
  ) {}

  /** Hash strings are expected to have passed `parseScryptHash` during configuration checks. */
  static async create(users: readonly FileUserConfig[]): Promise<FileIdentityStore> {
    const stored = new Map<string, StoredUser>();
    for (const user of users) {
      const attributes: Readonly<Record<string, JsonValue>> = Object.freeze({ ...user.attributes });
      stored.set(user.username, {
        hash: parseScryptHash(user.password_hash),
        identity: Object.freeze({ username: user.username, attributes }),
      });
    }
    // The dummy uses the cost of the first user so both paths take about as long.
    const cost = stored.values().next().value?.hash ?? undefined;
    const dummyPhc = await hashPassword(randomBytes(16).toString('hex'), cost && { ln: cost.ln, r: cost.r, p: cost.p });
    return new FileIdentityStore(stored, parseScryptHash(dummyPhc));
  }

  async authenticate(username: string, password: string): Promise<AuthenticatedIdentity | null> {
    const user = this.users.get(username);
    const matches = await verifyPassword(password, user?.hash ?? this.dummy);
    return user && matches ? user.identity : null;
  }

  async lookup(username: string): Promise<AuthenticatedIdentity | null> {
    return this.users.get(username)?.identity ?? null;
  }
}
