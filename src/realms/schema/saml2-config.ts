import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Saml2IdpMetadataConfig } from './saml2-idp-metadata-config';
import { Saml2SpMetadataConfig } from './saml2-sp-metadata-config';
import { IsStringRecord } from './schema-decorators';

/** Optional XML encryption of what the STS issues, to the SP's certificate (AES-GCM content, RSA-OAEP key transport). */
export class Saml2EncryptionConfig {
  /** The SP's certificate (PEM), relative to the config dir; required unless sp_metadata gives one. */
  @IsString()
  @IsOptional()
  sp_certificate_file?: string;

  /** Wrap the whole assertion in EncryptedAssertion. */
  @IsBoolean()
  @IsOptional()
  encrypt_assertion: boolean = true;

  /** Replace the NameID with EncryptedID (when the assertion itself is not encrypted). */
  @IsBoolean()
  @IsOptional()
  encrypt_name_id: boolean = false;

  /** Replace each Attribute with EncryptedAttribute (when the assertion itself is not encrypted). */
  @IsBoolean()
  @IsOptional()
  encrypt_attributes: boolean = false;
}

/** Output type SAML2: the assertion the STS issues (SPEC `saml2:`). */
export class Saml2Config {
  @IsString()
  issuer!: string;

  /**
   * The SP named by its metadata: entity ID, ACS URLs, encryption certificate, NameID formats and
   * requested attributes come from it; typed settings below, when present, take precedence.
   */
  @Type(() => Saml2SpMetadataConfig)
  @ValidateNested()
  @IsOptional()
  sp_metadata?: Saml2SpMetadataConfig;

  /** The SP the assertion is for: AudienceRestriction. Required unless sp_metadata gives it. */
  @IsString()
  @IsOptional()
  sp_entity_id?: string;

  /** Recipient of BEARER subject confirmations (and a Response's Destination). Required unless sp_metadata gives it. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { message: 'sp_acs_url must be an http(s) URL' })
  @IsOptional()
  sp_acs_url?: string;

  @IsString()
  @IsOptional()
  name_id_format: string = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

  @Max(86400)
  @Min(1)
  @IsInt()
  @IsOptional()
  token_lifetime_seconds: number = 600;

  /** SAML attribute name <- identity attribute (or input-token claim). */
  @IsStringRecord()
  @IsOptional()
  attribute_map: Record<string, string> = {};

  @IsBoolean()
  @IsOptional()
  sign_assertion: boolean = true;

  /**
   * kid of a realm RSA key (>= 2048 bits, RSA-SHA256) or EC P-256/P-384/P-521 key (ECDSA-SHA256/384/512
   * by curve) with use sig and a certificate_file (for KeyInfo); needed when sign_assertion.
   */
  @IsString()
  @IsOptional()
  signing_key?: string;

  @Type(() => Saml2EncryptionConfig)
  @ValidateNested()
  @IsOptional()
  encryption?: Saml2EncryptionConfig;

  /** The IdP metadata published for this instance. */
  @Type(() => Saml2IdpMetadataConfig)
  @ValidateNested()
  @IsOptional()
  metadata: Saml2IdpMetadataConfig = new Saml2IdpMetadataConfig();
}
