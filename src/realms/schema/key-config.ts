import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsEnvName } from './schema-decorators';
import { JWS_ALGORITHM_NAMES, type JwsAlgorithmName } from '../../keys/jws-algorithms';

export type GeneratedKeyType = 'rsa' | 'ec' | 'okp' | 'oct';

/** `generate:` asks the server to create the key on first start and reuse it after. */
export class GenerateKeyConfig {
  @IsIn(['rsa', 'ec', 'okp', 'oct'], { message: 'type must be one of: rsa, ec, okp, oct' })
  type!: GeneratedKeyType;

  /**
   * RSA modulus or oct secret length, in bits. 128 is the smallest JOSE key (A128KW, A128GCMKW,
   * dir with A128GCM); RSA's 2048-bit floor and each algorithm's own length are checked later.
   */
  @Max(16384)
  @Min(128)
  @IsInt()
  @IsOptional()
  size?: number;

  /** EC: P-256 | P-384 | P-521; OKP: Ed25519 (EdDSA signing) | X25519 (ECDH-ES encryption). */
  @IsIn(['P-256', 'P-384', 'P-521', 'Ed25519', 'X25519'], {
    message: 'curve must be one of: P-256, P-384, P-521, Ed25519, X25519',
  })
  @IsOptional()
  curve?: string;
}

/** Automatic rotation of a generated key: pending -> active -> retired, under STS_DATA_DIR/keys. */
export class RotationConfig {
  /** A new version takes over this often. */
  @Max(3650)
  @Min(1)
  @IsInt()
  every_days!: number;

  /** How long a new version is published before it signs (default: 7 days, at most half the period). */
  @Max(3650)
  @Min(0)
  @IsNumber()
  @IsOptional()
  prepublish_days?: number;
}

/**
 * A key held in a PKCS#11 token (an HSM): used only through the token, never read out. The PIN
 * comes from an environment variable or a file, never from the realm file.
 */
export class Pkcs11KeyConfig {
  /** Path of the vendor's PKCS#11 library (.so). */
  @IsString()
  module!: string;

  /** The token's label; or `slot`. */
  @IsString()
  @IsOptional()
  token_label?: string;

  /** The slot id, where the token has no unique label. */
  @Min(0)
  @IsInt()
  @IsOptional()
  slot?: number;

  /** Name of the environment variable holding the user PIN; or `pin_file`. */
  @IsEnvName()
  @IsOptional()
  pin_env?: string;

  /** A file holding the user PIN (relative paths from the configuration directory). */
  @IsString()
  @IsOptional()
  pin_file?: string;

  /** CKA_LABEL of the key pair (private key, public key and certificate share it); or `key_id`. */
  @IsString()
  @IsOptional()
  key_label?: string;

  /** CKA_ID of the key pair, in hex. */
  @Matches(/^(?:[0-9A-Fa-f]{2})+$/, { message: 'key_id must be hex digits, two per byte (e.g. 01 or a1b2)' })
  @IsOptional()
  key_id?: string;

  /** Sessions opened to the token (signatures in parallel); a token allows a limited number. */
  @Max(64)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_sessions?: number;

  /** How long one call to the token may take before the request answers 503 key_unavailable. */
  @Max(60000)
  @Min(10)
  @IsInt()
  @IsOptional()
  call_timeout_ms?: number;
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
  @IsEnvName()
  @IsOptional()
  secret_env?: string;

  @Type(() => GenerateKeyConfig)
  @ValidateNested()
  @IsOptional()
  generate?: GenerateKeyConfig;

  @Type(() => Pkcs11KeyConfig)
  @ValidateNested()
  @IsOptional()
  pkcs11?: Pkcs11KeyConfig;

  @Type(() => RotationConfig)
  @ValidateNested()
  @IsOptional()
  rotation?: RotationConfig;

  /**
   * Key rollover: when the key was retired (ISO 8601). A retired key signs nothing, and the JWKS
   * keeps publishing it only until every token it could have signed has expired. (For retirement
   * on a schedule, use rotation.)
   */
  @IsISO8601({ strict: true }, { message: 'retired_at must be an ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z' })
  @IsOptional()
  retired_at?: string;

  /**
   * The JWS algorithm the JWKS names for this key (`alg`). Default: the signature_algorithm of
   * the outputs that sign with it; a retired key has none, so an RSA key (which suits several)
   * needs it while it is still published. Checked at load (key-publication.ts).
   */
  @IsIn(JWS_ALGORITHM_NAMES, { message: `algorithm must be one of: ${JWS_ALGORITHM_NAMES.join(', ')}` })
  @IsOptional()
  algorithm?: JwsAlgorithmName;

  /**
   * A key that signs ID tokens or access tokens (and is so published in a JWKS) may not also sign
   * certificates (x509_issuance.ca_key) or SAML assertions; true allows it.
   */
  @IsBoolean()
  @IsOptional()
  allow_multiple_purposes: boolean = false;
}
