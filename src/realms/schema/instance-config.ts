import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { TOKEN_TYPE_PATTERN } from '../../transform/token-type-name';
import { AccessTokenConfig } from './access-token-config';
import { TokenFulfillmentConfig } from './attribute-source-config';
import { EncryptionConfig, toStringArray } from './encryption-config';
import { OAuthClientConfig } from './oauth-client-config';
import { OidcValidationConfig } from './oidc-validation-config';
import { IsStringRecord } from './schema-decorators';
import { Saml2Config } from './saml2-config';
import { Saml2ValidationConfig } from './saml2-validation-config';
import { SessionConfig } from './session-config';
import { SignedTokenConfig } from './signed-token-config';
import { TokenExchangeConfig } from './token-exchange-config';
import { X509IssuanceConfig, X509ValidationConfig } from './x509-config';

export const TRANSLATE_CLIENT_AUTHENTICATION = ['none', 'optional', 'required'] as const;
export type TranslateClientAuthentication = (typeof TRANSLATE_CLIENT_AUTHENTICATION)[number];

const TOKEN_TYPE_MESSAGE = '$property must be a token type name (upper case, e.g. USERNAME, CUSTOM)';

export class TransformConfig {
  @Matches(TOKEN_TYPE_PATTERN, { message: TOKEN_TYPE_MESSAGE })
  @IsString()
  from!: string;

  @Matches(TOKEN_TYPE_PATTERN, { message: TOKEN_TYPE_MESSAGE })
  @IsString()
  to!: string;
}

/** Output type OPENIDCONNECT: the ID token the STS issues. */
export class OidcConfig extends SignedTokenConfig {
  /** An http(s) URL, checked with the instance (a PingAM-published instance may use any name, as PingAM does). */
  @MinLength(1)
  @IsString()
  issuer!: string;

  /** A single audience is accepted as a string. */
  @IsString({ each: true })
  @ArrayNotEmpty()
  @IsArray()
  @toStringArray
  audience!: string[];

  /** `azp`; unset: the first audience when there are several, no `azp` for a single audience (OIDC Core 2). */
  @IsString()
  @IsOptional()
  authorized_party?: string;

  @Max(86400)
  @Min(1)
  @IsInt()
  @IsOptional()
  token_lifetime_seconds: number = 600;

  /** Output claim name <- identity attribute (or input token claim) name. */
  @IsStringRecord()
  @IsOptional()
  claim_map: Record<string, string> = {};

  /** Optional JWE around the signed ID token. */
  @ValidateNested()
  @Type(() => EncryptionConfig)
  @IsOptional()
  encryption?: EncryptionConfig;
}

/** Requests this instance serves per window, over all clients (per process, like every rate limit). */
export class InstanceRateLimitConfig {
  @Max(1_000_000_000)
  @Min(1)
  @IsInt()
  requests!: number;

  @Max(24 * 3600)
  @Min(1)
  @IsInt()
  @IsOptional()
  per_seconds: number = 60;
}

export class InstanceConfig {
  @Type(() => TransformConfig)
  @ValidateNested({ each: true })
  @ArrayNotEmpty()
  @IsArray()
  supported_token_transforms!: TransformConfig[];

  @IsBoolean()
  @IsOptional()
  persist_issued_tokens: boolean = false;

  /** Replaces server.yaml `rate_limits.per_instance` for this instance. */
  @Type(() => InstanceRateLimitConfig)
  @ValidateNested()
  @IsOptional()
  rate_limit?: InstanceRateLimitConfig;

  /**
   * true: `_action=cancel` needs HTTP Basic authentication of one of `oauth_clients`, and cancels
   * only tokens issued to that client. false (as PingAM): holding the token is enough.
   */
  @IsBoolean()
  @IsOptional()
  cancel_requires_client_authentication: boolean = false;

  /**
   * Client authentication at `_action=translate`: `none` (as PingAM: no client is read), `optional`
   * (a client that presents credentials is authenticated, and the tokens are issued to it) or
   * `required` (every translate needs an authenticated client of `oauth_clients`).
   */
  @IsIn(TRANSLATE_CLIENT_AUTHENTICATION, { message: `translate_client_authentication must be one of: ${TRANSLATE_CLIENT_AUTHENTICATION.join(', ')}` })
  @IsOptional()
  translate_client_authentication: TranslateClientAuthentication = 'none';

  /** Clients of `/oauth2{P}/introspect`, `/revoke` and `/token`, and of translate and cancel where those authenticate clients. */
  @Type(() => OAuthClientConfig)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  oauth_clients: OAuthClientConfig[] = [];

  @Type(() => OidcConfig)
  @ValidateNested()
  @IsOptional()
  oidc?: OidcConfig;

  /** Output type SAML2. */
  @Type(() => Saml2Config)
  @ValidateNested()
  @IsOptional()
  saml2?: Saml2Config;

  /** Input types OPENIDCONNECT and JWT. */
  @Type(() => OidcValidationConfig)
  @ValidateNested()
  @IsOptional()
  oidc_validation?: OidcValidationConfig;

  /** Input type SAML2. */
  @Type(() => Saml2ValidationConfig)
  @ValidateNested()
  @IsOptional()
  saml2_validation?: Saml2ValidationConfig;

  /** Input type X509. */
  @Type(() => X509ValidationConfig)
  @ValidateNested()
  @IsOptional()
  x509_validation?: X509ValidationConfig;

  /** Output type X509. */
  @Type(() => X509IssuanceConfig)
  @ValidateNested()
  @IsOptional()
  x509_issuance?: X509IssuanceConfig;

  /** Output type JWT (RFC 9068 access token). */
  @Type(() => AccessTokenConfig)
  @ValidateNested()
  @IsOptional()
  access_token?: AccessTokenConfig;

  /** Output and input type SESSION (and OPENAM input). */
  @Type(() => SessionConfig)
  @ValidateNested()
  @IsOptional()
  session?: SessionConfig;

  /** Token type -> plugin name. */
  @IsStringRecord()
  @IsOptional()
  custom_token_validators: Record<string, string> = {};

  @IsStringRecord()
  @IsOptional()
  custom_token_providers: Record<string, string> = {};

  /** `POST /oauth2{P}/token` (RFC 8693); absent: the instance offers no token exchange. */
  @Type(() => TokenExchangeConfig)
  @ValidateNested()
  @IsOptional()
  token_exchange?: TokenExchangeConfig;

  /**
   * Several instances may share an issuer (`oidc.issuer` / `access_token.issuer`): the issuer's
   * metadata then names this instance's token, introspection and revocation endpoints (see
   * src/realms/issuers.ts for when one must be marked).
   */
  @IsBoolean()
  @IsOptional()
  issuer_primary: boolean = false;

  /**
   * Before issuing: look the principal up in the realm's attribute_sources, compute attributes
   * and the subject (CEL), and refuse unless every issuance criterion holds.
   */
  @Type(() => TokenFulfillmentConfig)
  @ValidateNested()
  @IsOptional()
  token_fulfillment?: TokenFulfillmentConfig;

  /** Read translate requests as strictly as PingAM does (SAML2 output needs `subject_confirmation`). */
  @IsBoolean()
  @IsOptional()
  pingam_compatibility: boolean = false;
}
