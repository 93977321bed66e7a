import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsStringRecord } from './schema-decorators';

/** Optional XML encryption of what the STS issues, to the SP's certificate (AES-GCM content, RSA-OAEP key transport). */
export class Saml2EncryptionConfig {
  /** The SP's certificate (PEM), relative to the config dir. */
  @IsString()
  sp_certificate_file!: string;

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

  /** The SP the assertion is for: AudienceRestriction. */
  @IsString()
  sp_entity_id!: string;

  /** Recipient of BEARER subject confirmations. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { message: 'sp_acs_url must be an http(s) URL' })
  sp_acs_url!: string;

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
}

export class TrustedIdpConfig {
  @IsString()
  entity_id!: string;

  /** The IdP's signing certificate (PEM); only these keys count, KeyInfo in a document never does. */
  @IsString()
  certificate_file!: string;
}

const RECIPIENTS_REQUIRED =
  'required for SAML2 input: list the URL(s) your IdP writes as Recipient in the bearer SubjectConfirmationData, ' +
  'e.g. https://<host>/rest-sts/<realm>/<instance> and/or https://<host>/oauth2/<realm>/<instance>/token';

/** Input type SAML2: which assertions are accepted (SPEC `saml2_validation:`). */
export class Saml2ValidationConfig {
  @Type(() => TrustedIdpConfig)
  @ValidateNested({ each: true })
  @ArrayNotEmpty()
  @IsArray()
  trusted_idps!: TrustedIdpConfig[];

  /** This STS's entity id: the assertion's AudienceRestriction must name it. */
  @IsString()
  audience!: string;

  /**
   * This instance's endpoint URLs as the IdP names them: some bearer SubjectConfirmationData must
   * carry one as Recipient, and a Response's Destination, when present, must be one (SAML 2.0
   * profiles 4.1.4.2, RFC 7522 section 3). Compared as exact strings, so write them as the IdP does.
   */
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['https', 'http'] },
    { each: true, message: 'each entry must be an absolute http(s) URL, exactly as your IdP writes it in Recipient' },
  )
  @ArrayNotEmpty({ message: RECIPIENTS_REQUIRED })
  @IsArray({ message: RECIPIENTS_REQUIRED })
  recipients!: string[];

  @Max(600)
  @Min(0)
  @IsInt()
  @IsOptional()
  clock_skew_seconds: number = 60;

  /** Documents larger than this are refused before any parsing. */
  @Max(1048576)
  @Min(1024)
  @IsInt()
  @IsOptional()
  max_document_bytes: number = 65536;

  /** Assertions with more Attribute elements are refused before the signature is checked. */
  @Max(10_000)
  @Min(1)
  @IsInt()
  @IsOptional()
  max_attributes: number = 200;
}
