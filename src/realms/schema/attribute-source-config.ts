/**
 * Token fulfillment: the realm's attribute sources (connections) and an instance's lookups,
 * computed attributes and issuance criteria. Expressions are CEL; they are compiled when the
 * configuration loads (src/expressions), so a mistake is a load error naming its key path.
 */
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsStringRecord, IsEnvName } from './schema-decorators';

export const ATTRIBUTE_SOURCE_TYPES = ['ldap', 'sql', 'http'] as const;
export type AttributeSourceType = (typeof ATTRIBUTE_SOURCE_TYPES)[number];
export const SQL_DRIVERS = ['sqlite', 'postgres'] as const;

/** A CEL identifier: source names become namespaces (`ldap.mail`). */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const NAMESPACE_MESSAGE = '$property must be a lower-case identifier (letters, digits, _; it names the namespace in expressions)';

/** One connection the realm's instances look attributes up in; the keys that apply depend on `type`. */
export class AttributeSourceConfig {
  @Matches(NAMESPACE_PATTERN, { message: NAMESPACE_MESSAGE })
  @IsString()
  name!: string;

  @IsIn(ATTRIBUTE_SOURCE_TYPES, { message: `type must be one of: ${ATTRIBUTE_SOURCE_TYPES.join(', ')}` })
  type!: AttributeSourceType;

  /** Per lookup, the whole exchange; default 2000. */
  @Max(30_000)
  @Min(50)
  @IsInt()
  @IsOptional()
  timeout_ms: number = 2000;

  // --- ldap: as identity_store type ldap ---
  @Matches(/^ldaps?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?$/, { message: 'url must be ldap://host[:port] or ldaps://host[:port]' })
  @IsString()
  @IsOptional()
  url?: string;

  @IsBoolean()
  @IsOptional()
  start_tls?: boolean;

  @IsNotEmpty()
  @IsString()
  @IsOptional()
  ca_file?: string;

  @IsBoolean()
  @IsOptional()
  tls_reject_unauthorized?: boolean;

  @IsNotEmpty()
  @IsString()
  @IsOptional()
  bind_dn?: string;

  @IsEnvName()
  @IsString()
  @IsOptional()
  bind_password_env?: string;

  @IsNotEmpty()
  @IsString()
  @IsOptional()
  base_dn?: string;

  // --- sql ---
  @IsIn(SQL_DRIVERS, { message: `driver must be one of: ${SQL_DRIVERS.join(', ')}` })
  @IsOptional()
  driver?: (typeof SQL_DRIVERS)[number];

  /** sqlite: the database file, relative to the configuration directory; opened read-only. */
  @IsNotEmpty()
  @IsString()
  @IsOptional()
  file?: string;

  /** postgres: the environment variable holding the connection string (postgres://user:password@host/db). */
  @IsEnvName()
  @IsString()
  @IsOptional()
  connection_env?: string;

  // --- http ---
  /** The JSON service; https (plain http only to a loopback host). Lookups add their `path`. */
  @IsNotEmpty()
  @IsString()
  @IsOptional()
  base_url?: string;

  /** http: the environment variable holding a bearer token, sent as `Authorization: Bearer <token>`. */
  @IsEnvName()
  @IsString()
  @IsOptional()
  bearer_token_env?: string;

  /** http: the largest answer read; default 65536 bytes. */
  @Max(1_048_576)
  @Min(64)
  @IsInt()
  @IsOptional()
  max_response_bytes: number = 65_536;

}

/** One lookup of the principal in one source, before the token is issued. */
export class AttributeLookupConfig {
  /** The name of one of the realm's `attribute_sources`. */
  @IsString()
  source!: string;

  /** The namespace its attributes get in expressions; default the source's name. */
  @Matches(NAMESPACE_PATTERN, { message: NAMESPACE_MESSAGE })
  @IsString()
  @IsOptional()
  as?: string;

  /** CEL: the value looked up (a string); default `principal`. Bound as a parameter, never spliced into text. */
  @MaxLength(4096)
  @IsString()
  @IsOptional()
  key: string = 'principal';

  /** ldap: a filter with `{key}` where the (escaped) key goes, e.g. `(uid={key})`. */
  @Matches(/\{key\}/, { message: 'filter must contain the placeholder {key}' })
  @IsString()
  @IsOptional()
  filter?: string;

  /** ldap: the attributes to fetch. sql, http: the columns or members kept (default all). */
  @IsString({ each: true })
  @ArrayMaxSize(100)
  @IsArray()
  @IsOptional()
  attributes?: string[];

  /** sql: one SELECT with `$1` for the key, e.g. `SELECT department FROM staff WHERE login = $1`. */
  @MaxLength(4096)
  @IsString()
  @IsOptional()
  query?: string;

  /** http: the path after base_url with `{key}` where the (URL-encoded) key goes, e.g. `/users/{key}`. */
  @Matches(/^\/.*\{key\}/, { message: 'path must start with / and contain the placeholder {key}' })
  @IsString()
  @IsOptional()
  path?: string;

  /** true: the source down is a 503 and nothing is issued; false: issue without its attributes. */
  @IsBoolean()
  @IsOptional()
  required: boolean = true;

  /** How long an answer is reused for the same key; 0 never. Default 30. */
  @Max(3600)
  @Min(0)
  @IsInt()
  @IsOptional()
  cache_seconds: number = 30;
}

/** A condition every issued token must meet (PingFederate's issuance criteria). */
export class IssuanceCriterionConfig {
  /** CEL, true to issue. */
  @MaxLength(4096)
  @IsString()
  condition!: string;

  /** Sent to the client when the condition is false. */
  @MaxLength(512)
  @IsNotEmpty()
  @IsString()
  message!: string;

  /** Only for these output types (e.g. [JWT]); default every output. */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  output_types?: string[];
}

export class TokenFulfillmentConfig {
  @Type(() => AttributeLookupConfig)
  @ValidateNested({ each: true })
  @ArrayMaxSize(10)
  @IsArray()
  @IsOptional()
  lookups: AttributeLookupConfig[] = [];

  /** Attribute name -> CEL; the results join the input's attributes, which claim_map and attribute_map read. */
  @IsStringRecord()
  @IsOptional()
  attributes: Record<string, string> = {};

  /** CEL: the principal the tokens are issued to (sub, introspection, audit); default the validated one. */
  @MaxLength(4096)
  @IsString()
  @IsOptional()
  subject?: string;

  @Type(() => IssuanceCriterionConfig)
  @ValidateNested({ each: true })
  @ArrayMaxSize(50)
  @IsArray()
  @IsOptional()
  issuance_criteria: IssuanceCriterionConfig[] = [];

  /** Longest list (or map) an expression may be given; a longer one is refused. Default 256. */
  @Max(100_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_list_length: number = 256;

  /** The estimated cost (evaluation steps, with every list max_list_length long) an expression may have. */
  @Max(100_000_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  cost_limit: number = 1_000_000;

  /**
   * Wall-clock limit for evaluating a request's expressions (each lookup key, then the rest
   * together); default 250 ms. A backstop behind cost_limit, with room for a busy machine.
   */
  @Max(5000)
  @Min(1)
  @IsInt()
  @IsOptional()
  expression_timeout_ms: number = 250;
}
