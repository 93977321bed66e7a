/**
 * Reads and checks `<STS_CONFIG_DIR>/server.yaml` the way realm files are checked: unknown keys
 * and wrong types are refused, each problem naming file and key path. The file is optional.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { displayPath } from '../common/display-path';
import { ConfigError } from '../realms/config-problem';
import { readConfigYaml } from '../realms/config-yaml';
import { validateSchema } from '../realms/schema-validation';
import { isAddressOrRange } from '../ratelimit/client-address';
import { readCaFile } from '../tokens/redis-connection';
import { WRAPPING_KEY_BYTES } from '../keys/rotation/key-material-wrapping';
import type { PluginIsolationSettings, PluginRunSettings, RedisBackendSettings, ServerConfig, SqliteBackendSettings, WindowLimitSettings } from './server-config';
import { PluginLimitsSchema, PluginSettingsSchema, REDIS_URL_PATTERN, RedisStoreSchema, ServerConfigSchema, WindowLimitSchema } from './server-config-schema';

export const SERVER_CONFIG_FILE_NAME = 'server.yaml';

/** Throws ConfigError when the file cannot be read or parsed, or a value is refused. */
export function loadServerConfig(configDir: string, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const path = join(configDir, SERVER_CONFIG_FILE_NAME);
  const file = displayPath(path);
  const content = readYaml(path, file);
  const { value, problems } = validateSchema(ServerConfigSchema, content, file, '');
  if (problems.length > 0) throw new ConfigError(problems);

  const badProxy = value.trusted_proxies.findIndex((entry) => !isAddressOrRange(entry));
  if (badProxy >= 0) throw new ConfigError([{ file, path: `trusted_proxies.${badProxy}`, message: 'must be an IP address or a CIDR range (10.0.0.0/8)' }]);

  const store = value.token_store;
  const backend: SqliteBackendSettings | RedisBackendSettings =
    store.type === 'redis' ? redisBackend(store.redis, env, file, configDir) : { type: 'sqlite', file: store.sqlite.file };
  for (const [path, shared] of [['rate_limits.shared', value.rate_limits?.shared], ['login_backoff.shared', value.login_backoff?.shared]] as const) {
    if (shared && backend.type !== 'redis') throw new ConfigError([{ file, path, message: 'needs token_store.type: redis (shared counters live in Redis)' }]);
  }
  const publicBaseUrl = value.public_base_url === undefined ? defaultPublicBaseUrl(env) : checkedPublicBaseUrl(value.public_base_url, file);
  return {
    file,
    ...(value.admin_token_header !== undefined && { adminTokenHeader: checkedAdminTokenHeader(value.admin_token_header, file) }),
    publicBaseUrl,
    publicBaseUrlConfigured: value.public_base_url !== undefined,
    verifiedTokenCacheMaxEntries: value.verified_token_cache_max_entries,
    tokenStore: {
      defaultTokenLifetimeSeconds: store.default_token_lifetime_seconds,
      purgeIntervalSeconds: store.purge_interval_seconds,
      backend,
    },
    ...(value.rate_limits && {
      rateLimits: {
        perAddress: windowLimit(value.rate_limits.per_address),
        overall: windowLimit(value.rate_limits.overall),
        perInstance: windowLimit(value.rate_limits.per_instance),
        shared: value.rate_limits.shared,
      },
    }),
    ...(value.login_backoff && {
      loginBackoff: {
        lockAfterUserFailures: value.login_backoff.lock_after_user_failures,
        lockAfterAddressFailures: value.login_backoff.lock_after_address_failures,
        firstDelaySeconds: value.login_backoff.first_delay_seconds,
        maxDelaySeconds: value.login_backoff.max_delay_seconds,
        shared: value.login_backoff.shared,
      },
    }),
    ...(value.trusted_proxies.length > 0 && { trustedProxies: value.trusted_proxies }),
    ...((value.plugin_defaults || value.plugins.length > 0) && { pluginIsolation: pluginIsolation(value.plugin_defaults, value.plugins, file) }),
  };
}

function pluginIsolation(defaults: PluginLimitsSchema | undefined, plugins: readonly PluginSettingsSchema[], file: string): PluginIsolationSettings {
  const byName = new Map<string, Partial<PluginRunSettings>>();
  plugins.forEach((entry, index) => {
    if (byName.has(entry.name)) throw new ConfigError([{ file, path: `plugins[${index}].name`, message: `plugin ${entry.name} is listed twice` }]);
    // In the server's own thread a lower priority would slow every request, not just the plugin's.
    if (entry.nice !== undefined && (entry.isolation ?? defaults?.isolation) === 'none') {
      throw new ConfigError([{ file, path: `plugins[${index}].nice`, message: `plugin ${entry.name} runs with isolation: none, in the server's own thread; nice applies to worker threads only (lowering the server thread would slow every request)` }]);
    }
    byName.set(entry.name, runSettings(entry));
  });
  return { defaults: defaults ? runSettings(defaults) : {}, byName };
}

function runSettings(limits: PluginLimitsSchema): Partial<PluginRunSettings> {
  const settings = {
    isolation: limits.isolation,
    workers: limits.workers,
    callTimeoutMs: limits.call_timeout_ms,
    maxHeapMb: limits.max_heap_mb,
    maxYoungHeapMb: limits.max_young_heap_mb,
    maxQueuedCalls: limits.max_queued_calls,
    nice: limits.nice,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

function windowLimit(limit: WindowLimitSchema | undefined): WindowLimitSettings | undefined {
  return limit && { requests: limit.requests, perSeconds: limit.per_seconds };
}

/** The file's content as plain data; an absent or empty file is an empty mapping (all defaults). */
function readYaml(path: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new ConfigError([{ file, path: '', message: `cannot read the file (${code ?? 'error'})` }]);
  }
  const parsed = readConfigYaml(text, file);
  if (parsed.problems) throw new ConfigError(parsed.problems);
  return parsed.content ?? {};
}

function redisBackend(redis: RedisStoreSchema | undefined, env: NodeJS.ProcessEnv, file: string, configDir: string): RedisBackendSettings {
  const problem = (path: string, message: string): never => {
    throw new ConfigError([{ file, path: `token_store.redis${path}`, message }]);
  };
  /** The value of the variable a `*_env` key names; never shown: it may be a password. */
  const fromEnv = (key: string, name: string): string => env[name] || problem(`.${key}`, `environment variable ${name} is not set`);
  const LAYOUTS = 'give url or url_env (one server), sentinels and name (a Sentinel set), or cluster (a Cluster)';
  if (!redis) return problem('', `required when type is redis (${LAYOUTS})`);
  const given = [redis.url !== undefined || redis.url_env !== undefined, redis.sentinels !== undefined, redis.cluster !== undefined].filter(Boolean).length;
  if (given !== 1) return problem('', given === 0 ? LAYOUTS : 'give only one of url/url_env, sentinels, cluster');
  if (redis.url !== undefined && redis.url_env !== undefined) return problem('', 'give url or url_env, not both');
  if (redis.sentinels === undefined) {
    for (const key of ['name', 'sentinel_username', 'sentinel_password_env'] as const) if (redis[key] !== undefined) problem(`.${key}`, 'only with sentinels');
  }
  if (redis.wait_for_replicas > 0 && redis.wait_timeout_ms >= redis.command_timeout_ms) problem('.wait_timeout_ms', `must be less than command_timeout_ms (${redis.command_timeout_ms}), or the command timeout ends the wait first`);

  let url = redis.url;
  if (url === undefined && redis.url_env !== undefined) {
    url = fromEnv('url_env', redis.url_env);
    if (!REDIS_URL_PATTERN.test(url)) return problem('.url_env', `environment variable ${redis.url_env} does not hold a redis:// or rediss:// URL`);
  }
  if (url !== undefined && redis.tls && !url.startsWith('rediss://')) problem('.tls', 'needs a rediss:// URL (TLS to a redis:// URL is a contradiction)');
  for (const [key, nodes] of [['sentinels', redis.sentinels], ['cluster', redis.cluster]] as const) {
    if (nodes?.length === 0) problem(`.${key}`, 'must list at least one host and port');
  }
  if (redis.sentinels !== undefined && redis.name === undefined) problem('.name', 'required with sentinels: the primary\'s name as the sentinels know it (sentinel monitor <name> ...)');

  const caFile = redis.tls?.ca_file;
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readCaFile(resolve(configDir, caFile));
    } catch (error) {
      problem('.tls.ca_file', `cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!ca?.includes('-----BEGIN CERTIFICATE-----')) problem('.tls.ca_file', `${caFile} holds no PEM certificate`);
  }
  const tls = redis.tls && { ...(ca !== undefined && { ca }), ...(redis.tls.server_name !== undefined && { serverName: redis.tls.server_name }) };
  const sentinelPassword = redis.sentinel_password_env === undefined ? undefined : fromEnv('sentinel_password_env', redis.sentinel_password_env);
  const keyWrappingKey = redis.key_wrapping_key_env === undefined ? undefined : Buffer.from(fromEnv('key_wrapping_key_env', redis.key_wrapping_key_env), 'base64');
  if (keyWrappingKey && keyWrappingKey.length !== WRAPPING_KEY_BYTES) {
    problem('.key_wrapping_key_env', `environment variable ${redis.key_wrapping_key_env} must hold ${WRAPPING_KEY_BYTES} random bytes in base64 (openssl rand -base64 32), not ${keyWrappingKey.length} bytes`);
  }
  return {
    type: 'redis',
    ...(url !== undefined && { url }),
    ...(redis.sentinels && {
      sentinel: {
        sentinels: redis.sentinels.map(({ host, port }) => ({ host, port })),
        name: redis.name!,
        ...(redis.sentinel_username !== undefined && { username: redis.sentinel_username }),
        ...(sentinelPassword !== undefined && { password: sentinelPassword }),
      },
    }),
    ...(redis.cluster && { cluster: redis.cluster.map(({ host, port }) => ({ host, port })) }),
    ...(redis.username !== undefined && { username: redis.username }),
    ...(redis.password_env !== undefined && { password: fromEnv('password_env', redis.password_env) }),
    ...(tls && { tls }),
    keyPrefix: redis.key_prefix,
    connectTimeoutMs: redis.connect_timeout_ms,
    commandTimeoutMs: redis.command_timeout_ms,
    waitForReplicas: redis.wait_for_replicas,
    waitTimeoutMs: redis.wait_timeout_ms,
    ...(keyWrappingKey && { keyWrappingKey }),
  };
}

/**
 * `public_base_url` as the documents use it: scheme, host, port and path prefix, without a
 * trailing slash. No query, fragment or user information: endpoint URLs are appended to it.
 */
export function checkedPublicBaseUrl(configured: string, file: string): string {
  const refuse = (why: string, shown = configured): never => {
    throw new ConfigError([{ file, path: 'public_base_url', message: `"${shown}" ${why}` }]);
  };
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return refuse('is not an absolute URL (https://sts.example.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse('must start with https:// (or http://)');
  if (/[?#]/.test(configured)) refuse('has a query or fragment; give only scheme, host, port and path');
  // Never repeat a password into the log.
  if (url.username || url.password) refuse('has user information; give only scheme, host, port and path', `${url.protocol}//...@${url.host}${url.pathname}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `http://<HOST>:<PORT>` as the server listens (https with STS_TLS_*), for a local start. */
export function defaultPublicBaseUrl(env: NodeJS.ProcessEnv): string {
  const host = env.HOST || '127.0.0.1';
  const port = /^\d+$/.test(env.PORT ?? '') ? env.PORT : '8080';
  const scheme = env.STS_TLS_KEY_FILE && env.STS_TLS_CERT_FILE ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** RFC 9110 field-name characters; underscores allowed (PingAM's own headers use them). */
const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
/** Headers that mean something else to HTTP or to this server. */
const RESERVED_HEADERS = new Set(['authorization', 'cookie', 'host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'x-forwarded-for']);

/** `admin_token_header`, lower-cased as Node names headers. */
function checkedAdminTokenHeader(name: string, file: string): string {
  const problem = (message: string) => new ConfigError([{ file, path: 'admin_token_header', message }]);
  if (!HEADER_NAME_PATTERN.test(name)) throw problem('must be an HTTP header name (1-64 letters, digits and !#$%&\'*+.^_`|~-)');
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower)) throw problem(`${name} is a header HTTP or this server already uses; the bearer token goes in Authorization anyway`);
  return lower;
}
