import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';
import {
  JWE_CONTENT_ENCRYPTION_NAMES,
  JWE_KEY_MANAGEMENT_NAMES,
  type JweContentEncryptionName,
  type JweKeyManagementName,
} from '../../keys/jwe-algorithms';

/**
 * Optional JWE around a signed token (nested JWT, `cty: JWT`). The key is exactly one of a realm
 * key, a partner's public key file (JWK, JWKS, certificate or SPKI PEM) or a partner JWKS URL.
 */
export class EncryptionConfig {
  @IsIn(JWE_KEY_MANAGEMENT_NAMES, { message: `algorithm must be one of: ${JWE_KEY_MANAGEMENT_NAMES.join(', ')}` })
  algorithm!: JweKeyManagementName;

  @IsIn(JWE_CONTENT_ENCRYPTION_NAMES, { message: `content_encryption must be one of: ${JWE_CONTENT_ENCRYPTION_NAMES.join(', ')}` })
  content_encryption!: JweContentEncryptionName;

  /** kid of a realm key with `use: enc`. */
  @IsString()
  @IsOptional()
  key?: string;

  @IsString()
  @IsOptional()
  public_key_file?: string;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { message: 'jwks_url must be an http(s) URL' })
  @IsOptional()
  jwks_url?: string;

  /** How long a fetched JWKS is kept when the partner sends no cache directives. */
  @Max(525600)
  @Min(1)
  @IsInt()
  @IsOptional()
  jwks_cache_minutes: number = 720;

  @IsBoolean()
  @IsOptional()
  include_kid: boolean = true;

  @IsBoolean()
  @IsOptional()
  include_x5t: boolean = false;
}

/** `audience: x` and `audience: [x]` alike. */
export const toStringArray = Transform(({ value }) => (typeof value === 'string' ? [value] : value));
