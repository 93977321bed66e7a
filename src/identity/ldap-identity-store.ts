/**
 * `identity_store: {type: ldap}`: a service account searches the directory for exactly one entry
 * matching the username, then a separate connection binds as that entry's DN with the password.
 *
 * - The username is escaped per RFC 4515 (ldapts' Filter.escape) before it enters the filter.
 * - An empty password is refused before any bind: LDAP treats a simple bind with a DN and no
 *   password as an "unauthenticated" bind that many servers answer with success.
 * - Unknown user, several matches and wrong password all resolve null (one 401); the unknown
 *   user still costs one bind (against a DN that does not exist) to look like a wrong password.
 * - The directory down, slow or refusing the service account is a 503 `identity_store_unavailable`
 *   within connect_timeout_ms + timeout_ms; the next request tries again with new connections.
 */
import { Logger } from '@nestjs/common';
import { Client, Filter, FilterParser, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import type { ClientOptions, Entry } from 'ldapts';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConfigFileError, readConfigFile } from '../common/config-file';
import { ServiceUnavailableError } from '../errors/sts-errors';
import type { JsonValue } from '../plugin-api/json';
import type { AuthenticatedIdentity, IdentityStore } from '../plugin-api/token-contract';
import type { IdentityStoreConfig } from '../realms/schema/identity-store-config';

export const LDAP_DEFAULTS = {
  user_filter: '(uid={username})',
  connect_timeout_ms: 3000,
  timeout_ms: 5000,
  pool_size: 4,
} as const;

/** Pooled service connections unused this long are closed (so a replaced configuration's pool goes away too). */
const IDLE_CLOSE_MS = 60_000;

/** A problem with one key of `identity_store`, reported at load like a schema problem. */
export class LdapConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LdapSettings {
  readonly url: string;
  readonly startTls: boolean;
  /** For ldaps:// and StartTLS; undefined for plain ldap://. */
  readonly tls?: tls.ConnectionOptions;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly baseDn: string;
  readonly userFilter: string;
  readonly attributes: readonly string[];
  readonly principalAttribute?: string;
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly poolSize: number;
}

/** Checks what the schema cannot (environment, CA file, filter syntax) and applies the defaults. */
export async function ldapSettings(config: IdentityStoreConfig, configDir: string, env: NodeJS.ProcessEnv): Promise<LdapSettings> {
  const url = config.url!;
  const secure = url.toLowerCase().startsWith('ldaps:');
  const startTls = config.start_tls ?? false;
  if (secure && startTls) throw new LdapConfigError('start_tls', 'start_tls is for ldap:// URLs; ldaps:// is TLS already');
  if (!secure && !startTls && (config.ca_file !== undefined || config.tls_reject_unauthorized !== undefined)) {
    throw new LdapConfigError(config.ca_file !== undefined ? 'ca_file' : 'tls_reject_unauthorized', 'TLS settings need an ldaps:// url or start_tls: true');
  }
  const bindPassword = env[config.bind_password_env!];
  if (!bindPassword) throw new LdapConfigError('bind_password_env', `environment variable ${config.bind_password_env} is not set`);
  const userFilter = config.user_filter ?? LDAP_DEFAULTS.user_filter;
  try {
    FilterParser.parseString(userFilter.split('{username}').join('x'));
  } catch (error) {
    throw new LdapConfigError('user_filter', `user_filter is not a valid LDAP filter: ${(error as Error).message}`);
  }
  let ca: string | undefined;
  if (config.ca_file !== undefined) {
    try {
      ca = (await readConfigFile(configDir, config.ca_file)).toString('utf8');
    } catch (error) {
      if (!(error instanceof ConfigFileError)) throw error;
      throw new LdapConfigError('ca_file', error.message);
    }
  }
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return {
    url,
    startTls,
    tls: secure || startTls ? { ca, rejectUnauthorized: config.tls_reject_unauthorized ?? true, host } : undefined,
    bindDn: config.bind_dn!,
    bindPassword,
    baseDn: config.base_dn!,
    userFilter,
    attributes: config.attributes ?? [],
    principalAttribute: config.principal_attribute,
    connectTimeoutMs: config.connect_timeout_ms ?? LDAP_DEFAULTS.connect_timeout_ms,
    timeoutMs: config.timeout_ms ?? LDAP_DEFAULTS.timeout_ms,
    poolSize: config.pool_size ?? LDAP_DEFAULTS.pool_size,
  };
}

/** Thrown for every directory outage, so clients see one stable code. */
export class IdentityStoreUnavailableError extends ServiceUnavailableError {
  constructor(cause?: unknown) {
    super('The identity store (directory) is not available right now; try again shortly.', { code: 'identity_store_unavailable', cause });
  }
}

export class LdapIdentityStore implements IdentityStore {
  private readonly logger = new Logger('LdapIdentityStore');
  private readonly pool: ServicePool;

  constructor(private readonly settings: LdapSettings) {
    this.pool = new ServicePool(settings);
  }

  async authenticate(username: string, password: string): Promise<AuthenticatedIdentity | null> {
    if (password.length === 0) return null; // never an unauthenticated bind
    return this.withinDeadline('authentication', () => this.authenticateNow(username, password));
  }

  /**
   * The principal's current entry, found by the service account alone (session details). The
   * principal is what authenticate answered: the `principal_attribute` value when one is set,
   * else the username the user filter matches.
   */
  async lookup(principal: string): Promise<AuthenticatedIdentity | null> {
    return this.withinDeadline('lookup', async () => {
      const { principalAttribute } = this.settings;
      const filter = principalAttribute ? `(${principalAttribute}=${Filter.escape(principal)})` : this.userFilterFor(principal);
      const entry = await this.findOne(filter);
      return entry ? Object.freeze({ username: principal, attributes: Object.freeze(pickAttributes(entry, this.settings.attributes)) }) : null;
    });
  }

  /** Each ldapts operation has its own timeout; this bounds the whole chain so no request hangs. */
  private async withinDeadline<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish in time`)), this.settings.connectTimeoutMs + this.settings.timeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (error) {
      this.logger.warn(`LDAP directory ${this.settings.url} unavailable: ${(error as Error).message}`);
      throw new IdentityStoreUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private userFilterFor(username: string): string {
    // split/join rather than replace(): a `$&` in the username must stay literal text.
    return this.settings.userFilter.split('{username}').join(Filter.escape(username));
  }

  /** The one entry `filter` matches, or undefined for none or several. */
  private async findOne(filter: string): Promise<Entry | undefined> {
    const { settings } = this;
    const wanted = [...new Set([...settings.attributes, ...(settings.principalAttribute ? [settings.principalAttribute] : [])])];
    const { searchEntries } = await this.pool.use((client) =>
      client.search(settings.baseDn, {
        scope: 'sub',
        filter,
        // "1.1" asks for no attributes at all (RFC 4511 4.5.1.8).
        attributes: wanted.length > 0 ? wanted : ['1.1'],
        sizeLimit: 2, // two are enough to know the match is ambiguous
        timeLimit: Math.ceil(settings.timeoutMs / 1000),
      }),
    );
    return searchEntries.length === 1 ? searchEntries[0] : undefined;
  }

  private async authenticateNow(username: string, password: string): Promise<AuthenticatedIdentity | null> {
    const { settings } = this;
    const entry = await this.findOne(this.userFilterFor(username));
    // Unknown or ambiguous: still bind once, against a DN that cannot exist, so it costs the same.
    const bound = await this.userBind(entry?.dn ?? `cn=${randomUUID()},${settings.baseDn}`, password);
    if (!entry || !bound) return null;
    const attributes = pickAttributes(entry, settings.attributes);
    let principal = username;
    if (settings.principalAttribute) {
      const value = pickAttributes(entry, [settings.principalAttribute])[settings.principalAttribute];
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first !== 'string' || first.length === 0) {
        this.logger.warn(`LDAP entry ${entry.dn} has no ${settings.principalAttribute}; refusing the login`);
        return null;
      }
      principal = first;
    }
    return Object.freeze({ username: principal, attributes: Object.freeze(attributes) });
  }

  /** True when the directory accepts the password; a fresh connection, closed right after. */
  private async userBind(dn: string, password: string): Promise<boolean> {
    const client = await connect(this.settings);
    try {
      await client.bind(dn, password);
      return true;
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return false;
      // Locked, expired, disabled accounts and the like: a refusal, not an outage.
      if (error instanceof ResultCodeError) {
        this.logger.warn(`LDAP bind as ${dn} refused: ${error.message}`);
        return false;
      }
      throw error;
    } finally {
      void client.unbind().catch(() => undefined);
    }
  }
}

/**
 * A few connections bound as the service account, used round-robin (LDAP answers several
 * searches on one connection at once). A connection that dropped or failed is replaced on its next
 * use; one unused for IDLE_CLOSE_MS is closed.
 */
class ServicePool {
  private readonly slots: { client?: Promise<Client>; idle?: NodeJS.Timeout }[];
  private next = 0;

  constructor(private readonly settings: LdapSettings) {
    this.slots = Array.from({ length: settings.poolSize }, () => ({}));
  }

  async use<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    const slot = this.slots[this.next++ % this.slots.length];
    const pooled = await slot.client?.catch(() => undefined);
    // isBound is false once the socket closed: ldapts would reconnect unauthenticated.
    const reused = pooled?.isBound ? pooled : undefined;
    try {
      return await this.run(slot, reused, operation);
    } catch (error) {
      // A pooled connection can die under us (directory restarted): one more try on a new one.
      if (!reused || error instanceof ResultCodeError) throw error;
      return this.run(slot, undefined, operation);
    }
  }

  private async run<T>(slot: ServicePool['slots'][number], client: Client | undefined, operation: (client: Client) => Promise<T>): Promise<T> {
    if (!client) {
      void slot.client?.then((old) => old.unbind()).catch(() => undefined);
      const connecting = connect(this.settings).then(async (fresh) => {
        try {
          await fresh.bind(this.settings.bindDn, this.settings.bindPassword);
        } catch (error) {
          void fresh.unbind().catch(() => undefined);
          throw error;
        }
        return fresh;
      });
      slot.client = connecting;
      client = await connecting.catch((error: unknown) => {
        if (slot.client === connecting) slot.client = undefined;
        throw error;
      });
    }
    clearTimeout(slot.idle);
    const current = client;
    const installed = slot.client;
    slot.idle = setTimeout(() => {
      if (slot.client !== installed) return; // replaced meanwhile; the new one has its own timer
      slot.client = undefined;
      void current.unbind().catch(() => undefined);
    }, IDLE_CLOSE_MS).unref();
    try {
      return await operation(client);
    } catch (error) {
      if (!(error instanceof ResultCodeError)) {
        void client.unbind().catch(() => undefined);
        slot.client = undefined;
      }
      throw error;
    }
  }
}

/** A connected (and, with start_tls, upgraded) client whose sockets do not keep the process alive. */
async function connect(settings: LdapSettings): Promise<Client> {
  const direct = settings.tls && !settings.startTls;
  const options: ClientOptions = {
    url: settings.url,
    connectTimeout: settings.connectTimeoutMs,
    timeout: settings.timeoutMs,
    tlsOptions: direct ? settings.tls : undefined,
    // unref: an idle pooled connection must not hold up shutdown.
    createConnection: ((...args: Parameters<typeof net.connect>) => net.connect(...args).unref()) as typeof net.connect,
    createSecureConnection: ((...args: Parameters<typeof tls.connect>) => tls.connect(...args).unref()) as typeof tls.connect,
  };
  const client = new Client(options);
  if (settings.startTls) {
    try {
      await client.startTLS({ ...settings.tls });
    } catch (error) {
      void client.unbind().catch(() => undefined);
      throw error;
    }
  }
  return client;
}

/** The configured attributes as JSON: one value a string, several an array; absent ones left out. */
function pickAttributes(entry: Record<string, unknown>, names: readonly string[]): Record<string, JsonValue> {
  const byLowerName = new Map(Object.entries(entry).map(([key, value]) => [key.toLowerCase(), value]));
  const result: Record<string, JsonValue> = {};
  for (const name of names) {
    const raw = byLowerName.get(name.toLowerCase());
    const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v: unknown) =>
      Buffer.isBuffer(v) ? v.toString('base64') : String(v),
    );
    if (values.length === 1) result[name] = values[0];
    else if (values.length > 1) result[name] = values;
  }
  return result;
}
