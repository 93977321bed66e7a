import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { JWS_ALGORITHM_NAMES, JwsAlgorithmName } from '../../keys/jws-algorithms';
import { IsStringRecord } from './schema-decorators';

export const TOKEN_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const TOKEN_TYPE_MESSAGE = '$property must be a token type name (upper case, e.g. USERNAME, CUSTOM)';

export class TransformConfig {
  @IsString()
  @Matches(TOKEN_TYPE_PATTERN, { message: TOKEN_TYPE_MESSAGE })
  from!: string;

  @IsString()
  @Matches(TOKEN_TYPE_PATTERN, { message: TOKEN_TYPE_MESSAGE })
  to!: string;
}

/** Output type OPENIDCONNECT: the ID token the STS issues. */
export class OidcConfig {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { message: 'issuer must be an http(s) URL' })
  issuer!: string;

  /** A single audience is accepted as a string. */
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  audience!: string[];

  /** `azp`; defaults to the first audience. */
  @IsOptional()
  @IsString()
  authorized_party?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  token_lifetime_seconds: number = 600;

  @IsIn(JWS_ALGORITHM_NAMES, { message: `signature_algorithm must be one of: ${JWS_ALGORITHM_NAMES.join(', ')}` })
  signature_algorithm!: JwsAlgorithmName;

  /** kid of a realm key with `use: sig`. */
  @IsString()
  signing_key!: string;

  /** Output claim name <- identity attribute (or input token claim) name. */
  @IsOptional()
  @IsStringRecord()
  claim_map: Record<string, string> = {};
}

export class InstanceConfig {
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => TransformConfig)
  supported_token_transforms!: TransformConfig[];

  @IsOptional()
  @IsBoolean()
  persist_issued_tokens: boolean = false;

  @IsOptional()
  @ValidateNested()
  @Type(() => OidcConfig)
  oidc?: OidcConfig;

  /** Token type -> plugin name. */
  @IsOptional()
  @IsStringRecord()
  custom_token_validators: Record<string, string> = {};

  @IsOptional()
  @IsStringRecord()
  custom_token_providers: Record<string, string> = {};
}
