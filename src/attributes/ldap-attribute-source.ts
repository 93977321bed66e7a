/**
 * `type: ldap`: the realm's directory (or another) searched by the service account with the
 * lookup's filter. The key is escaped per RFC 4515 before it enters the filter, by the same code
 * that serves `identity_store: {type: ldap}` (pooled connections, timeouts, TLS).
 */
import { IdentityStoreUnavailableError, LdapConfigError, LdapIdentityStore, ldapSettings } from '../identity/ldap-identity-store';
import type { AttributeLookupConfig, AttributeSourceConfig } from '../realms/schema/attribute-source-config';
import type { IdentityStoreConfig } from '../realms/schema/identity-store-config';
import { type AttributeSource, AttributeSourceFailure, LookupConfigError, type SourceLookup } from './attribute-source';

/** Service connections per lookup: lookups are short and few per request. */
const POOL_SIZE = 2;
const REQUIRED = ['url', 'bind_dn', 'bind_password_env', 'base_dn'] as const;

export class LdapAttributeSource implements AttributeSource {
  readonly type = 'ldap';
  readonly name: string;

  constructor(
    private readonly config: AttributeSourceConfig,
    private readonly configDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.name = config.name;
  }

  /** The keys an ldap source needs, as `field: message` problems. */
  static problems(config: AttributeSourceConfig): { field: string; message: string }[] {
    return REQUIRED.filter((key) => config[key] === undefined).map((key) => ({ field: key, message: `missing; an ldap source needs ${key}` }));
  }

  async prepare(lookup: AttributeLookupConfig): Promise<SourceLookup> {
    if (!lookup.filter) throw new LookupConfigError('filter', `missing; a lookup in the ldap source "${this.name}" needs a filter such as (uid={key})`);
    const { config } = this;
    // The identity store's settings check the filter, the password variable and the CA file.
    const storeConfig = {
      type: 'ldap',
      url: config.url,
      start_tls: config.start_tls,
      ca_file: config.ca_file,
      tls_reject_unauthorized: config.tls_reject_unauthorized,
      bind_dn: config.bind_dn,
      bind_password_env: config.bind_password_env,
      base_dn: config.base_dn,
      user_filter: lookup.filter.split('{key}').join('{username}'),
      attributes: lookup.attributes ?? [],
      connect_timeout_ms: Math.max(100, Math.floor(config.timeout_ms / 2)),
      timeout_ms: Math.max(100, Math.ceil(config.timeout_ms / 2)),
      pool_size: POOL_SIZE,
    } as IdentityStoreConfig;
    let directory: LdapIdentityStore;
    try {
      directory = new LdapIdentityStore(await ldapSettings(storeConfig, this.configDir, this.env));
    } catch (error) {
      if (!(error instanceof LdapConfigError)) throw error;
      if (error.field !== 'user_filter') throw new LookupConfigError(error.field, error.message, true);
      throw new LookupConfigError('filter', error.message.replace('user_filter', 'filter'));
    }
    return {
      find: async (key) => {
        try {
          // None or several entries: nothing known about the key.
          return (await directory.lookup(key))?.attributes ?? {};
        } catch (error) {
          if (error instanceof IdentityStoreUnavailableError) throw new AttributeSourceFailure('unavailable', 'the directory did not answer', { cause: error.cause });
          throw error;
        }
      },
    };
  }
}
