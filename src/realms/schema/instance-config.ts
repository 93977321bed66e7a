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
import { TOKEN_TYPE_PATTERN } from '../../transform/token-type-name';
import { IsStringRecord } from './schema-decorators';

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
export class OidcConfig {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { message: 'issuer must be an http(s) URL' })
  issuer!: string;

  /** A single audience is accepted as a string. */
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsString({ each: true })
  @ArrayNotEmpty()
  @IsArray()
  audience!: string[];

  /** `azp`; defaults to the first audience. */
  @IsString()
  @IsOptional()
  authorized_party?: string;

  @Max(86400)
  @Min(1)
  @IsInt()
  @IsOptional()
  token_lifetime_seconds: number = 600;

  @IsIn(JWS_ALGORITHM_NAMES, { message: `signature_algorithm must be one of: ${JWS_ALGORITHM_NAMES.join(', ')}` })
  signature_algorithm!: JwsAlgorithmName;

  /** kid of a realm key with `use: sig`. */
  @IsString()
  signing_key!: string;

  /** Output claim name <- identity attribute (or input token claim) name. */
  @IsStringRecord()
  @IsOptional()
  claim_map: Record<string, string> = {};
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

  @Type(() => OidcConfig)
  @ValidateNested()
  @IsOptional()
  oidc?: OidcConfig;

  /** Token type -> plugin name. */
  @IsStringRecord()
  @IsOptional()
  custom_token_validators: Record<string, string> = {};

  @IsStringRecord()
  @IsOptional()
  custom_token_providers: Record<string, string> = {};
}
