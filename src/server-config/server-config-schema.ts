/**
 * Schema of `<STS_CONFIG_DIR>/server.yaml`, the server-level settings that are not per realm.
 * Every key is optional; checks that span keys (url vs url_env) are in server-config-loader.ts.
 */
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { IsEnvName } from '../realms/schema/schema-decorators';

export const REDIS_URL_PATTERN = /^rediss?:\/\/\S+$/;

export const TOKEN_STORE_TYPES = ['sqlite', 'redis'] as const;
export type TokenStoreType = (typeof TOKEN_STORE_TYPES)[number];

export class SqliteStoreSchema {
  /** Relative paths are relative to STS_DATA_DIR. */
  @MinLength(1, { message: 'file must not be empty' })
  @IsString()
  @IsOptional()
  file: string = 'tokens.sqlite';
}

/** The wording server.yaml's problems have always used. */
const ENV_NAME_MESSAGE = '$property must be the name of an environment variable';

/** A sentinel or a Cluster seed node. */
export class RedisNodeSchema {
  @MinLength(1, { message: 'host must not be empty' })
  @IsString()
  host!: string;

  @Max(65535)
  @Min(1)
  @IsInt()
  port!: number;
}

/** TLS to every Redis node and sentinel; present turns TLS on. */
export class RedisTlsSchema {
  /** PEM file of the CA certificates to trust instead of the system's; relative to STS_CONFIG_DIR. */
  @MinLength(1, { message: 'ca_file must not be empty' })
  @IsString()
  @IsOptional()
  ca_file?: string;

  @MinLength(1, { message: 'server_name must not be empty' })
  @IsString()
  @IsOptional()
  server_name?: string;
}

export class RedisStoreSchema {
  @Matches(REDIS_URL_PATTERN, { message: 'url must be a redis:// or rediss:// URL' })
  @IsString()
  @IsOptional()
  url?: string;

  /** Name of the environment variable holding the URL, so a password stays out of the file. */
  @IsEnvName(ENV_NAME_MESSAGE)
  @IsString()
  @IsOptional()
  url_env?: string;

  /** Sentinel set: the sentinels to ask for the current primary, and the primary's name. */
  @Type(() => RedisNodeSchema)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  sentinels?: RedisNodeSchema[];

  @MinLength(1, { message: 'name must not be empty' })
  @IsString()
  @IsOptional()
  name?: string;

  /** The sentinels' own ACL user, when they require one. */
  @MinLength(1, { message: 'sentinel_username must not be empty' })
  @IsString()
  @IsOptional()
  sentinel_username?: string;

  @IsEnvName(ENV_NAME_MESSAGE)
  @IsString()
  @IsOptional()
  sentinel_password_env?: string;

  /** Cluster seed nodes. */
  @Type(() => RedisNodeSchema)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  cluster?: RedisNodeSchema[];

  /** ACL user of the data nodes (any layout). */
  @MinLength(1, { message: 'username must not be empty' })
  @IsString()
  @IsOptional()
  username?: string;

  /** Name of the environment variable holding the data nodes' password; passwords never go in the file. */
  @IsEnvName(ENV_NAME_MESSAGE)
  @IsString()
  @IsOptional()
  password_env?: string;

  /** Name of the environment variable holding the key that wraps rotating keys before they are shared through Redis. */
  @IsEnvName(ENV_NAME_MESSAGE)
  @IsString()
  @IsOptional()
  key_wrapping_key_env?: string;

  @Type(() => RedisTlsSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  tls?: RedisTlsSchema;

  /** Replicas that must confirm each write (Redis WAIT) before the STS answers. */
  @Max(16)
  @Min(0)
  @IsInt()
  @IsOptional()
  wait_for_replicas: number = 0;

  @Max(60_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  wait_timeout_ms: number = 500;

  /** No braces: the store places its own hash tags. */
  @Matches(/^[^{}]*$/, { message: 'key_prefix must not contain { or } (the store places its own Cluster hash tags)' })
  @MaxLength(128)
  @IsString()
  @IsOptional()
  key_prefix: string = 'sts:';

  @Max(60_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  connect_timeout_ms: number = 2000;

  @Max(60_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  command_timeout_ms: number = 1000;
}

export class TokenStoreSchema {
  @IsIn(TOKEN_STORE_TYPES, { message: `type must be one of: ${TOKEN_STORE_TYPES.join(', ')}` })
  @IsOptional()
  type: TokenStoreType = 'sqlite';

  /** Record lifetime when a token provider gives no expiry. */
  @Max(366 * 24 * 3600)
  @Min(1)
  @IsInt()
  @IsOptional()
  default_token_lifetime_seconds: number = 3600;

  @Max(24 * 3600)
  @Min(1)
  @IsInt()
  @IsOptional()
  purge_interval_seconds: number = 60;

  @Type(() => SqliteStoreSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  sqlite: SqliteStoreSchema = new SqliteStoreSchema();

  @Type(() => RedisStoreSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  redis?: RedisStoreSchema;
}

/** One fixed-window limit; the defaults are per_address's (overall sets its own). */
export class WindowLimitSchema {
  @Max(1_000_000_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  requests: number = 600;

  @Max(24 * 3600)
  @Min(1)
  @IsInt()
  @IsOptional()
  per_seconds: number = 60;
}

export class OverallLimitSchema extends WindowLimitSchema {
  override requests: number = 6000;
}

/** Absent: no request limits. Each limit is off unless its section is there. */
export class RateLimitsSchema {
  @Type(() => WindowLimitSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  per_address?: WindowLimitSchema;

  @Type(() => OverallLimitSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  overall?: OverallLimitSchema;

  /** Count in the Redis token store, so the limits hold across workers and nodes. */
  @IsBoolean()
  @IsOptional()
  shared: boolean = false;

  /** Each STS instance on its own; an instance's own `rate_limit` (realm file) replaces it. */
  @Type(() => OverallLimitSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  per_instance?: OverallLimitSchema;
}

/** Absent: no back-off. `login_backoff: {}` turns it on with these defaults. */
export class LoginBackoffSchema {
  @Max(1000)
  @Min(1)
  @IsInt()
  @IsOptional()
  lock_after_user_failures: number = 5;

  @Max(100_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  lock_after_address_failures: number = 20;

  @Max(3600)
  @Min(1)
  @IsInt()
  @IsOptional()
  first_delay_seconds: number = 1;

  @Max(24 * 3600)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_delay_seconds: number = 900;

  /** Count failures and locks in the Redis token store, so they hold across workers and nodes. */
  @IsBoolean()
  @IsOptional()
  shared: boolean = false;
}

export const PLUGIN_ISOLATION_MODES = ['worker', 'none'] as const;

/** Limits of a plugin's worker threads; unset keys take plugin_defaults', then the built-in defaults. */
export class PluginLimitsSchema {
  @IsIn(PLUGIN_ISOLATION_MODES, { message: `isolation must be one of: ${PLUGIN_ISOLATION_MODES.join(', ')}` })
  @IsOptional()
  isolation?: (typeof PLUGIN_ISOLATION_MODES)[number];

  @Max(64)
  @Min(1)
  @IsInt()
  @IsOptional()
  workers?: number;

  @Max(600_000)
  @Min(10)
  @IsInt()
  @IsOptional()
  call_timeout_ms?: number;

  @Max(16_384)
  @Min(16)
  @IsInt()
  @IsOptional()
  max_heap_mb?: number;

  /** V8 young generation of each worker, where new objects live until their first collections. */
  @Max(1024)
  @Min(2)
  @IsInt()
  @IsOptional()
  max_young_heap_mb?: number;

  @Max(100_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_queued_calls?: number;

  /** How much lower than the server's thread the workers' CPU priority is (Linux nice steps). */
  @Max(19)
  @Min(0)
  @IsInt()
  @IsOptional()
  nice?: number;
}

/** One plugin's own limits, by its folder name. */
export class PluginSettingsSchema extends PluginLimitsSchema {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'name must be a plugin folder name' })
  @IsString()
  name!: string;
}

export class ServerConfigSchema {
  @Type(() => TokenStoreSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  token_store: TokenStoreSchema = new TokenStoreSchema();

  @Type(() => RateLimitsSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  rate_limits?: RateLimitsSchema;

  @Type(() => LoginBackoffSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  login_backoff?: LoginBackoffSchema;

  /**
   * Where clients reach this server (`https://sts.example.com`, maybe with a path prefix): the
   * base of every endpoint URL in metadata documents. Default from HOST and PORT; checked in
   * server-config-loader.ts. Never taken from a request.
   */
  @IsString()
  @IsOptional()
  public_base_url?: string;

  /** A header that may carry the admin token besides `Authorization: Bearer` (PingAM clients: iPlanetDirectoryPro); checked in the loader. */
  @IsString()
  @IsOptional()
  admin_token_header?: string;

  /** Bound of the verified-input cache (instances with oidc_validation.cache_verified_tokens), least recently used first out. */
  @Max(10_000_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  verified_token_cache_max_entries: number = 10_000;

  /** Peers whose X-Forwarded-For names the client, for rate_limits and login_backoff (addresses or CIDR ranges). */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  trusted_proxies: string[] = [];

  @Type(() => PluginLimitsSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  plugin_defaults?: PluginLimitsSchema;

  @Type(() => PluginSettingsSchema)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  plugins: PluginSettingsSchema[] = [];
}
