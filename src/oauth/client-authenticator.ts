/**
 * Authenticates the OAuth clients an instance lists in `oauth_clients`. One authenticator per
 * loaded instance configuration (a reload builds new ones). Secrets compare in constant time.
 *
 * A scrypt check costs tens of milliseconds, too much for every introspection call, so after a
 * client's first success the SHA-256 of its secret is kept in memory and later calls compare
 * digests. Nothing is cached for a failure.
 */
import { timingSafeEqual } from 'node:crypto';
import { secretDigest } from '../common/secret-digest';
import { parseScryptHash, ScryptHash, verifyPassword } from '../identity/scrypt-password';
import type { InstanceSettings } from '../plugin-api/settings';
import type { ClientCredentials } from './client-credentials';
import { InvalidClientError } from './oauth-errors';

interface RegisteredClient {
  readonly hash?: ScryptHash;
  /** SHA-256 of the secret: from the environment, or learned on a first scrypt success. */
  digest?: Buffer;
}

const authenticators = new WeakMap<InstanceSettings, ClientAuthenticator>();

export class ClientAuthenticator {
  private readonly clients = new Map<string, RegisteredClient>();

  private constructor(settings: InstanceSettings, env: NodeJS.ProcessEnv) {
    for (const client of settings.oauth_clients) {
      const fromEnv = client.client_secret_env ? env[client.client_secret_env] : undefined;
      this.clients.set(client.client_id, {
        hash: client.client_secret_hash ? parseScryptHash(client.client_secret_hash) : undefined,
        digest: fromEnv ? secretDigest(fromEnv) : undefined,
      });
    }
  }

  /** The authenticator of this instance configuration (load-time checks have vetted it). */
  static of(settings: InstanceSettings, env: NodeJS.ProcessEnv = process.env): ClientAuthenticator {
    let authenticator = authenticators.get(settings);
    if (!authenticator) {
      authenticator = new ClientAuthenticator(settings, env);
      authenticators.set(settings, authenticator);
    }
    return authenticator;
  }

  /** Resolves the client_id, or throws InvalidClientError without saying which half was wrong. */
  async authenticate({ clientId, secret }: ClientCredentials): Promise<string> {
    const client = this.clients.get(clientId);
    if (client && (await this.secretMatches(client, secret))) return clientId;
    throw new InvalidClientError('Client authentication failed.');
  }

  private async secretMatches(client: RegisteredClient, secret: string): Promise<boolean> {
    const presented = secretDigest(secret);
    if (client.digest) return timingSafeEqual(presented, client.digest);
    if (!client.hash || !(await verifyPassword(secret, client.hash))) return false;
    client.digest = presented;
    return true;
  }
}
