import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/**
 * Signature algorithms an input JWT may use. `none` never verifies anything. HS* is accepted only
 * from a `realm_key` issuer (checked at load): an outside issuer is known by a public key only.
 */
export const INPUT_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;

const ALGORITHM_MESSAGE = `$property may only list ${INPUT_JWT_ALGORITHMS.join(', ')} (no none; HS* only with realm_key)`;

/** One issuer whose JWTs an instance accepts. Exactly one of jwks_file, jwks_url, public_key_file, realm_key (checked at load). */
export class TrustedIssuerConfig {
  /** Compared with the token's `iss` exactly. */
  @MinLength(1)
  @IsString()
  issuer!: string;

  /** A JWKS (JSON) file, relative to the config dir; the token's kid picks the key. */
  @IsString()
  @IsOptional()
  jwks_file?: string;

  /** The issuer's JWKS URL: https (http for loopback only); cached, refetched at most once a minute for an unknown kid. */
  @IsString()
  @IsOptional()
  jwks_url?: string;

  /** One public key or certificate (PEM), relative to the config dir; used whatever the token's kid says. */
  @IsString()
  @IsOptional()
  public_key_file?: string;

  /**
   * A key of this realm (kid, or a rotating key's name): for tokens this STS issued itself, such as
   * the ID tokens of an instance that also takes them back as input.
   */
  @IsString()
  @IsOptional()
  realm_key?: string;

  @IsIn(INPUT_JWT_ALGORITHMS, { each: true, message: ALGORITHM_MESSAGE })
  @ArrayNotEmpty()
  @IsArray()
  algorithms!: string[];

  /** The token's `aud` must contain at least one of these; an empty list is refused (a token for anyone is a token for us). */
  @IsString({ each: true })
  @ArrayNotEmpty()
  @IsArray()
  audiences!: string[];

  /** Accepted `sub` values; empty: any subject. */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  subjects: string[] = [];

  /**
   * Accepted `typ` header values (compared case-insensitively, `application/` prefix optional).
   * Default: input type JWT needs `at+jwt`; OPENIDCONNECT accepts any typ except `at+jwt`.
   */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  allowed_typ?: string[];

  /**
   * OPENIDCONNECT input refuses JWTs whose payload marks an access token (`typ` Bearer,
   * `token_use` access, `scp`, `client_id`). true: this issuer's ID tokens carry such a claim.
   */
  @IsBoolean()
  @IsOptional()
  ignore_access_token_markers: boolean = false;
}

/** Input types OPENIDCONNECT and JWT: which JWTs are accepted (SPEC `oidc_validation:`). */
export class OidcValidationConfig {
  @Type(() => TrustedIssuerConfig)
  @ValidateNested({ each: true })
  @ArrayNotEmpty()
  @IsArray()
  trusted_issuers!: TrustedIssuerConfig[];

  /** false: `exp` is neither required nor checked (for tests against fixed tokens; not for production). */
  @IsBoolean()
  @IsOptional()
  validate_expiration: boolean = true;

  @Max(600)
  @Min(0)
  @IsInt()
  @IsOptional()
  clock_skew_seconds: number = 30;

  /** Each `jti` accepted once per issuer (shared by all nodes); tokens without a jti are refused. */
  @IsBoolean()
  @IsOptional()
  one_time_use: boolean = false;

  /**
   * Remember tokens whose signature verified (until their exp), so the same token presented again
   * skips the signature check; every other check still runs. Never with one_time_use.
   */
  @IsBoolean()
  @IsOptional()
  cache_verified_tokens: boolean = false;

  /** When set, `iat` is required and may be at most this old. */
  @Max(31_536_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_token_age_seconds?: number;

  /** Claims every accepted token must carry (any value). */
  @MaxLength(200, { each: true })
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  required_claims: string[] = [];

  /** Longer tokens are refused before any decoding. */
  @Max(1_048_576)
  @Min(1024)
  @IsInt()
  @IsOptional()
  max_token_bytes: number = 16_384;

  /** Tokens with more top-level claims are refused before the signature is checked. */
  @Max(10_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_claims: number = 200;
}
