import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { EncryptionConfig, toStringArray } from './encryption-config';
import { IsStringRecord } from './schema-decorators';
import { SignedTokenConfig } from './signed-token-config';

/**
 * Output type JWT: an RFC 9068 access token with PingFederate's JSON token management options.
 * Empty strings omit a claim or header, as in PingFederate.
 */
export class AccessTokenConfig extends SignedTokenConfig {
  /** `iss`; omitted when empty. */
  @IsString()
  @IsOptional()
  issuer?: string;

  /** `aud`; omitted when empty. */
  @IsString({ each: true })
  @IsArray()
  @toStringArray
  @IsOptional()
  audience: string[] = [];

  @Max(525600)
  @Min(1)
  @IsInt()
  @IsOptional()
  token_lifetime_minutes: number = 120;

  /**
   * The longest lifetime any access token gets, a mapped `exp` extension included (it is cut to
   * this); at least token_lifetime_minutes (checked at load). Default 24 hours.
   */
  @Max(525600)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_token_lifetime_minutes: number = 1440;

  /** The `typ` header; omitted when empty. */
  @IsString()
  @IsOptional()
  typ: string = 'at+jwt';

  @IsBoolean()
  @IsOptional()
  include_kid: boolean = true;

  /** `x5t`: SHA-1 thumbprint of the signing key's certificate (the key needs certificate_file). */
  @IsBoolean()
  @IsOptional()
  include_x5t: boolean = false;

  @IsString()
  @IsOptional()
  client_id_claim_name: string = 'client_id';

  @IsString()
  @IsOptional()
  scope_claim_name: string = 'scope';

  /** true: `"scope": "a b"`; false: `"scope": ["a", "b"]`. */
  @IsBoolean()
  @IsOptional()
  space_delimit_scope: boolean = false;

  /** Characters of random `jti`; 0 leaves the claim out. */
  @Max(256)
  @Min(0)
  @IsInt()
  @IsOptional()
  jti_length: number = 0;

  /** Output claim <- identity attribute or input-token claim. Mapping `exp` extends the lifetime by that many seconds. */
  @IsStringRecord()
  @IsOptional()
  claim_map: Record<string, string> = {};

  /** Scopes a request may ask for in `output_token_state.scope`; anything else is refused. */
  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { each: true, message: 'each scope must be a scope-token (RFC 6749 section 3.3)' })
  @IsArray()
  @IsOptional()
  allowed_scopes: string[] = [];

  /** Clients a translate request may name in `output_token_state.client_id`; none by default. */
  @Matches(/^[\x21-\x7e]{1,256}$/, { each: true, message: 'each allowed client id must be visible ASCII characters without spaces' })
  @IsArray()
  @IsOptional()
  allowed_client_ids: string[] = [];

  /** Claim names a request may set through `output_token_state.claims`; none by default. */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  allowed_custom_claims: string[] = [];

  @ValidateNested()
  @Type(() => EncryptionConfig)
  @IsOptional()
  encryption?: EncryptionConfig;

  /** Publishes the realm's JWKS at `/ext/<path>` too (PingFederate style); unique across the server. */
  @Matches(/^\/[A-Za-z0-9._~\/-]{1,200}$/, { message: 'jwks_endpoint_path must start with / and use URL path characters' })
  @IsOptional()
  jwks_endpoint_path?: string;

  @Max(525600)
  @Min(0)
  @IsInt()
  @IsOptional()
  jwks_endpoint_cache_minutes: number = 720;

  /** Certificates at `/ext/oauth/x509/kid?v=<kid>`. */
  @IsBoolean()
  @IsOptional()
  publish_x509_by_kid: boolean = false;

  /** Certificates at `/ext/oauth/x509/x5t?v=<base64url SHA-1 thumbprint>`. */
  @IsBoolean()
  @IsOptional()
  publish_x509_by_x5t: boolean = false;
}
