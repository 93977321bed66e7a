/** Process-level settings from the environment (SPEC section 2), read once at start. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { LOG_LEVELS, type LogLevelName } from './logging/root-logger';

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly configDir: string;
  readonly pluginsDir: string;
  readonly dataDir: string;
  /** Largest accepted request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Deepest nesting of arrays and objects accepted in a JSON body. */
  readonly maxJsonDepth: number;
  /** Largest accepted request line plus headers, in bytes (431 above it). */
  readonly maxHeaderBytes: number;
  /** Time a client has to send its whole request, headers and body (408 after it). */
  readonly requestTimeoutMs: number;
  /** Reload realm files when they change on disk. */
  readonly watchConfig: boolean;
  /** Load, replace and remove plugins when `plugins/` changes. */
  readonly watchPlugins: boolean;
  /** A validator or token provider that has not answered by then gets a 504. */
  readonly tokenTimeoutMs: number;
  /** HTTPS instead of HTTP when set; client certificates are requested when `clientCaFile` is set. */
  readonly tls?: TlsSettings;
  /** Bearer token of the admin publish API (SPEC 4.4); the API answers 404 when unset. */
  readonly adminToken?: string;
  /** Server processes (node:cluster) sharing the port; 1 = no cluster. */
  readonly workers: number;
  /** Serve the OpenAPI document and Swagger UI at /docs. */
  readonly docs: boolean;
  /** `GET /metrics` (Prometheus); on unless false. */
  readonly metrics?: boolean;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  readonly metricsToken?: string;
  /** On SIGTERM/SIGINT, how long in-flight requests may take before the process exits anyway. */
  readonly shutdownTimeoutMs?: number;
  /** Least severe level written to the JSON log (STS_LOG_LEVEL). */
  readonly logLevel?: LogLevelName;
  /** One log line per request (STS_ACCESS_LOG); audit lines are written either way. */
  readonly accessLog?: boolean;
  /** STS_REQUIRE_PLUGINS: refuse a configuration that binds a token type to a plugin that is not loaded (default: warn). */
  readonly requirePlugins?: boolean;
}

export interface TlsSettings {
  readonly keyFile: string;
  readonly certificateFile: string;
  /** CA names sent in the TLS CertificateRequest; each instance still checks chains itself. */
  readonly clientCaFile?: string;
}

export const SERVER_SETTINGS = Symbol('ServerSettings');

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    configDir: resolve(env.STS_CONFIG_DIR || 'config'),
    pluginsDir: resolve(env.STS_PLUGINS_DIR || 'plugins'),
    dataDir: resolve(env.STS_DATA_DIR || 'data'),
    maxBodyBytes: integer(env, 'STS_MAX_BODY_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    maxJsonDepth: integer(env, 'STS_MAX_JSON_DEPTH', 32, 4, 1000),
    maxHeaderBytes: integer(env, 'STS_MAX_HEADER_BYTES', 16 * 1024, 1024, 1024 * 1024),
    requestTimeoutMs: integer(env, 'STS_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    watchConfig: env.STS_WATCH_CONFIG !== 'false',
    watchPlugins: env.STS_WATCH_PLUGINS !== 'false',
    tokenTimeoutMs: integer(env, 'STS_TOKEN_TIMEOUT_MS', 10_000, 10, 600_000),
    tls: tlsFromEnv(env),
    adminToken: adminTokenFromEnv(env),
    workers: workersFromEnv(env),
    docs: env.STS_DOCS !== 'false',
    metrics: env.STS_METRICS !== 'false',
    metricsToken: metricsTokenFromEnv(env),
    shutdownTimeoutMs: integer(env, 'STS_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    logLevel: logLevelFromEnv(env),
    accessLog: env.STS_ACCESS_LOG !== 'false',
    requirePlugins: requirePluginsFromEnv(env),
  };
}

/** Strict, unlike the older on/off switches: a typo must not silently keep the lenient default. */
export function requirePluginsFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env.STS_REQUIRE_PLUGINS;
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new Error(`STS_REQUIRE_PLUGINS=${value} is not true or false`);
}

function tlsFromEnv(env: NodeJS.ProcessEnv): TlsSettings | undefined {
  const { STS_TLS_KEY_FILE: keyFile, STS_TLS_CERT_FILE: certificateFile, STS_TLS_CLIENT_CA_FILE: clientCaFile } = env;
  if (!keyFile && !certificateFile) {
    if (clientCaFile) throw new Error('STS_TLS_CLIENT_CA_FILE needs STS_TLS_KEY_FILE and STS_TLS_CERT_FILE (HTTPS)');
    return undefined;
  }
  if (!keyFile || !certificateFile) throw new Error('STS_TLS_KEY_FILE and STS_TLS_CERT_FILE go together');
  return { keyFile: resolve(keyFile), certificateFile: resolve(certificateFile), clientCaFile: clientCaFile ? resolve(clientCaFile) : undefined };
}

function adminTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.STS_ADMIN_TOKEN;
  if (!token) return undefined;
  if (token.length < 16) throw new Error('STS_ADMIN_TOKEN must be at least 16 characters long');
  return token;
}

function metricsTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.STS_METRICS_TOKEN;
  if (!token) return undefined;
  if (token.length < 16) throw new Error('STS_METRICS_TOKEN must be at least 16 characters long');
  return token;
}

/** `STS_WORKERS`: 1..64, or `auto` for one per CPU the process may use. */
function workersFromEnv(env: NodeJS.ProcessEnv): number {
  if (env.STS_WORKERS === 'auto') return Math.min(availableParallelism(), 64);
  try {
    return integer(env, 'STS_WORKERS', 1, 1, 64);
  } catch (error) {
    throw new Error(`${(error as Error).message}, or auto`);
  }
}

function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevelName {
  const level = env.STS_LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`STS_LOG_LEVEL=${level} is not one of ${LOG_LEVELS.join(', ')}`);
  return level as LogLevelName;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${raw} is not an integer between ${min} and ${max}`);
  }
  return value;
}
