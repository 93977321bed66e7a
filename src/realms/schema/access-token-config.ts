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
  MinLength,
  ValidateNested,
} from 'class-validator';
import { EncryptionConfig, toStringArray } from './encryption-config';
import { IsStringRecord } from './schema-decorators';
import { SignedTokenConfig } from './signed-token-config';

const CLIENT_ID = /^[\x21-\x7e]{1,256}$/;

/**
 * Output type JWT: an RFC 9068 access token with PingFederate's JSON token management options.
 * The claims RFC 9068 requires are always there by default; an empty claim or header name
 * (`client_id_claim_name`, `scope_claim_name`, `typ`) leaves that one out, as in PingFederate.
 */
export class AccessTokenConfig extends SignedTokenConfig {
  /**
   * `iss`; default the instance's `oidc.issuer`. JWT output needs one or the other (checked at
   * load), since RFC 9068 requires `iss`.
   */
  @MinLength(1, { message: 'issuer must not be empty: access tokens always carry iss (RFC 9068); leave the key out to use oidc.issuer' })
  @IsString()
  @IsOptional()
  issuer?: string;

  /** `aud`; JWT output needs at least one unless claim_map maps `aud` (checked at load). */
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

  /**
   * The client an access token names when the request neither authenticated a client nor named
   * one of allowed_client_ids. JWT output needs it unless the instance has allowed_client_ids or
   * translate_client_authentication: required (checked at load).
   */
  @Matches(CLIENT_ID, { message: 'client_id must be 1-256 visible ASCII characters without spaces' })
  @IsOptional()
  client_id?: string;

  /** The claim carrying the client id (RFC 9068: `client_id`); `""` leaves it out. */
  @IsString()
  @IsOptional()
  client_id_claim_name: string = 'client_id';

  @IsString()
  @IsOptional()
  scope_claim_name: string = 'scope';

  /** true (RFC 9068, RFC 8693): `"scope": "a b"`; false: `"scope": ["a", "b"]`. */
  @IsBoolean()
  @IsOptional()
  space_delimit_scope: boolean = true;

  /** Random base64url characters of `jti` (RFC 9068 requires it): 22 are about 132 bits. */
  @Max(256)
  @Min(16, { message: 'jti_length must be at least 16: access tokens always carry a jti (RFC 9068), so 0 no longer leaves it out' })
  @IsInt()
  @IsOptional()
  jti_length: number = 22;

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
  @Matches(CLIENT_ID, { each: true, message: 'each allowed client id must be visible ASCII characters without spaces' })
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
