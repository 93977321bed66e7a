/**
 * Opens the Redis client everything kept in Redis shares (token store, shared rate limits and
 * login back-off), in one of three layouts: one server (URL), a Sentinel set (ioredis asks the
 * sentinels for the current primary and follows a failover), or a Cluster (ioredis routes each
 * key to the primary holding its slot and follows MOVED/ASK). In every layout the client fails
 * fast while Redis is away: nothing is queued, nothing is sent twice.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, default as Redis, RedisOptions } from 'ioredis';

export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

export interface RedisSentinelSettings {
  readonly sentinels: readonly RedisNodeAddress[];
  /** The primary's name as the sentinels know it (`sentinel monitor <name> ...`). */
  readonly name: string;
  /** The sentinels' own ACL user and password, when they require one. */
  readonly username?: string;
  readonly password?: string;
}

export interface RedisTlsSettings {
  /** PEM text of the CA certificates to trust instead of the system's. */
  readonly ca?: string;
  /** Name to check the server certificate against, when it differs from the host connected to. */
  readonly serverName?: string;
}

export interface RedisConnectionSettings {
  /** One server: `redis://[user:password@]host:port/db` or `rediss://...`; may hold a password, never logged. */
  readonly url?: string;
  readonly sentinel?: RedisSentinelSettings;
  /** Cluster seed nodes; the client learns the others from them. */
  readonly cluster?: readonly RedisNodeAddress[];
  /** ACL user and password for the data nodes (any layout; a URL's own take precedence). */
  readonly username?: string;
  readonly password?: string;
  /** TLS to every node and sentinel; a `rediss://` URL turns it on too. */
  readonly tls?: RedisTlsSettings;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

/** A single-server or Sentinel client, or a Cluster client: they share the commands used here. */
export type RedisClient = Redis | Cluster;

/** Delay before reconnect attempt n: quick at first, then once a second, forever. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

/** Reads a CA file for `tls.ca`; the caller reports a failure with the file and key path. */
export function readCaFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/** ioredis, required on first use: a server whose store is SQLite never loads it (about 20 MiB per process). */
export function ioredis(): typeof import('ioredis') {
  return require('ioredis') as typeof import('ioredis');
}

export function connectRedis(settings: RedisConnectionSettings): RedisClient {
  const failFast: RedisOptions = {
    connectTimeout: settings.connectTimeoutMs,
    commandTimeout: settings.commandTimeoutMs,
    // A command in flight when the connection drops fails at once, and is never sent again
    // after the reconnect: a resent SET NX would turn the caller's retry into a "replay".
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // How long close() lets a socket end gracefully; ioredis arms this timer even for a socket
    // that is already gone (while reconnecting), and it holds the process open until it fires.
    disconnectTimeout: 200,
    ...(settings.username !== undefined && { username: settings.username }),
    ...(settings.password !== undefined && { password: settings.password }),
    ...(settings.tls && { tls: tlsOptions(settings.tls) }),
  };
  if (settings.cluster) {
    return new (ioredis().Cluster)(
      settings.cluster.map(({ host, port }) => ({ host, port })),
      {
        redisOptions: failFast,
        // Fail fast instead of queueing while the cluster is not ready.
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelayMs,
        // A moved slot (failover, resharding) is followed within the command timeout.
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        slotsRefreshTimeout: settings.connectTimeoutMs,
      },
    );
  }
  const options: RedisOptions = { ...failFast, enableOfflineQueue: false, retryStrategy: reconnectDelayMs };
  if (settings.sentinel) {
    const { sentinels, name, username, password } = settings.sentinel;
    return new (ioredis().Redis)({
      ...options,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      ...(username !== undefined && { sentinelUsername: username }),
      ...(password !== undefined && { sentinelPassword: password }),
      ...(settings.tls && { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(settings.tls) }),
      // Sentinel announces a promotion (+switch-master): reconnect to the new primary at once
      // instead of waiting for the old one's connection to fail.
      failoverDetector: true,
      sentinelRetryStrategy: reconnectDelayMs,
    });
  }
  if (settings.url === undefined) throw new Error('a Redis connection needs a URL, a Sentinel set or a Cluster seed list');
  return new (ioredis().Redis)(settings.url, options);
}

/** Where the client connects, without credentials, for log lines. */
export function describeRedis(settings: RedisConnectionSettings): string {
  if (settings.cluster) return `cluster ${settings.cluster.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  if (settings.sentinel) return `sentinel primary "${settings.sentinel.name}" via ${settings.sentinel.sentinels.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  try {
    const url = new URL(settings.url ?? '');
    return `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

function tlsOptions(tls: RedisTlsSettings): NonNullable<RedisOptions['tls']> {
  return {
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.serverName !== undefined && { servername: tls.serverName }),
  };
}
