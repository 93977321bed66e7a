/**
 * Schema of `<STS_CONFIG_DIR>/server.yaml`, the server-level settings that are not per realm.
 * Every key is optional; checks that span keys (url vs url_env) are in server-config-loader.ts.
 */
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min, MaxLength, MinLength, ValidateNested } from 'class-validator';

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

export class RedisStoreSchema {
  @Matches(REDIS_URL_PATTERN, { message: 'url must be a redis:// or rediss:// URL' })
  @IsString()
  @IsOptional()
  url?: string;

  /** Name of the environment variable holding the URL, so a password stays out of the file. */
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'url_env must be the name of an environment variable' })
  @IsString()
  @IsOptional()
  url_env?: string;

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

export class ServerConfigSchema {
  @Type(() => TokenStoreSchema)
  @ValidateNested()
  @IsObject()
  @IsOptional()
  token_store: TokenStoreSchema = new TokenStoreSchema();
}
