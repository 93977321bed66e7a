import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';

export type GeneratedKeyType = 'rsa' | 'ec' | 'okp' | 'oct';

/** `generate:` asks the server to create the key on first start and reuse it after. */
export class GenerateKeyConfig {
  @IsIn(['rsa', 'ec', 'okp', 'oct'], { message: 'type must be one of: rsa, ec, okp, oct' })
  type!: GeneratedKeyType;

  /** RSA modulus or oct secret length, in bits. */
  @Max(16384)
  @Min(256)
  @IsInt()
  @IsOptional()
  size?: number;

  /** EC: P-256 | P-384 | P-521; OKP: Ed25519 | Ed448. */
  @IsIn(['P-256', 'P-384', 'P-521', 'Ed25519', 'Ed448'], {
    message: 'curve must be one of: P-256, P-384, P-521, Ed25519, Ed448',
  })
  @IsOptional()
  curve?: string;
}

export class KeyConfig {
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'kid must be 1-128 characters of A-Z a-z 0-9 . _ -' })
  @IsString()
  kid!: string;

  @IsIn(['sig', 'enc'], { message: 'use must be one of: sig, enc' })
  use!: 'sig' | 'enc';

  @IsString()
  @IsOptional()
  private_key_file?: string;

  @IsString()
  @IsOptional()
  certificate_file?: string;

  /** Name of an environment variable holding an HMAC secret (its UTF-8 bytes). */
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'secret_env must be an environment variable name' })
  @IsOptional()
  secret_env?: string;

  @Type(() => GenerateKeyConfig)
  @ValidateNested()
  @IsOptional()
  generate?: GenerateKeyConfig;
}
