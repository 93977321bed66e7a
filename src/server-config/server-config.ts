/** The server-level configuration (`server.yaml`) as the rest of the server uses it: checked, defaults applied. */
import type { RedisConnectionSettings } from '../tokens/redis-connection';

export interface ServerConfig {
  /** `server.yaml` as shown in messages (relative to the working directory when inside it), present or not. */
  readonly file: string;
  readonly tokenStore: TokenStoreSettings;
  /** Request limits; undefined (no limits) without `rate_limits`. */
  readonly rateLimits?: RateLimitSettings;
  /** Back-off after failed USERNAME logins; undefined (off) without `login_backoff`. */
  readonly loginBackoff?: LoginBackoffSettings;
  /** Lower-case name of a header that may carry the admin token besides `Authorization: Bearer`. */
  readonly adminTokenHeader?: string;
  /** Addresses or CIDR ranges whose X-Forwarded-For names the client (rate limits, login back-off). */
  readonly trustedProxies?: readonly string[];
  /**
   * The base of every endpoint URL the metadata documents name, without a trailing slash:
   * `public_base_url`, else `http(s)://<HOST>:<PORT>`.
   */
  readonly publicBaseUrl: string;
  /** False when publicBaseUrl is the default derived from HOST and PORT. */
  readonly publicBaseUrlConfigured: boolean;
  /** `verified_token_cache_max_entries` (the loader always sets it). */
  readonly verifiedTokenCacheMaxEntries?: number;
  /** How each plugin runs: `plugins` entries over `plugin_defaults`, by folder name. */
  readonly pluginIsolation?: PluginIsolationSettings;
}

export interface PluginIsolationSettings {
  readonly defaults: Partial<PluginRunSettings>;
  readonly byName: ReadonlyMap<string, Partial<PluginRunSettings>>;
}

export interface PluginRunSettings {
  /** `worker`: in worker threads with the limits below; `none`: in the server's own thread. */
  readonly isolation: 'worker' | 'none';
  readonly workers: number;
  readonly callTimeoutMs: number;
  readonly maxHeapMb: number;
  readonly maxYoungHeapMb: number;
  readonly maxQueuedCalls: number;
  /** Workers' nice value above the server thread's (Linux only; 0: the same priority). */
  readonly nice: number;
}

export interface WindowLimitSettings {
  readonly requests: number;
  readonly perSeconds: number;
}

export interface RateLimitSettings {
  readonly perAddress?: WindowLimitSettings;
  readonly overall?: WindowLimitSettings;
  /** For every instance without a `rate_limit` of its own. */
  readonly perInstance?: WindowLimitSettings;
  /** Counted in Redis (the token store's), across workers and nodes, instead of per process. */
  readonly shared: boolean;
}

export interface LoginBackoffSettings {
  readonly lockAfterUserFailures: number;
  readonly lockAfterAddressFailures: number;
  readonly firstDelaySeconds: number;
  readonly maxDelaySeconds: number;
  /** Counted in Redis (the token store's), across workers and nodes, instead of per process. */
  readonly shared: boolean;
}

export interface TokenStoreSettings {
  /** Lifetime of an issued-token record when the token provider gives no expiry. */
  readonly defaultTokenLifetimeSeconds: number;
  /** How often expired records and replay keys are deleted (SQLite; Redis expires keys itself). */
  readonly purgeIntervalSeconds: number;
  readonly backend: SqliteBackendSettings | RedisBackendSettings;
}

export interface SqliteBackendSettings {
  readonly type: 'sqlite';
  /** As written; relative paths are relative to STS_DATA_DIR. */
  readonly file: string;
}

/** One server (`url`), a Sentinel set (`sentinel`) or a Cluster (`cluster`); passwords come from the environment, never log them. */
export interface RedisBackendSettings extends RedisConnectionSettings {
  readonly type: 'redis';
  readonly keyPrefix: string;
  /** Replicas that must confirm each token-store write (Redis WAIT); 0: no wait. */
  readonly waitForReplicas: number;
  readonly waitTimeoutMs: number;
  /** 32 bytes from `key_wrapping_key_env`: wraps rotating keys shared through Redis (AES-256-GCM). */
  readonly keyWrappingKey?: Buffer;
}

/** Nest injection token of the process's ServerConfig. */
export const SERVER_CONFIG = Symbol('ServerConfig');

/** Nest injection token of the resolved public_base_url (a string without a trailing slash). */
export const PUBLIC_BASE_URL = Symbol('PublicBaseUrl');
