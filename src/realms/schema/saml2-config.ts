import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  DATA_ENCRYPTION_NAMES,
  DIGEST_ALGORITHM_NAMES,
  KEY_TRANSPORT_NAMES,
  SIGNATURE_ALGORITHM_NAMES,
  type DataEncryptionName,
  type DigestAlgorithmName,
  type KeyTransportName,
  type SignatureAlgorithmName,
} from '../../token-types/saml2/xml-algorithms';
import {
  ATTRIBUTE_NAME_FORMATS,
  ATTRIBUTE_VALUE_TYPES,
  SAML2_ENCODINGS,
  SAML2_TOKEN_FORMS,
  type AttributeNameFormatName,
  type AttributeValueTypeName,
  type Saml2Encoding,
  type Saml2TokenForm,
} from '../../token-types/saml2/output-options';
import { Saml2IdpMetadataConfig } from './saml2-idp-metadata-config';
import { Saml2SpMetadataConfig } from './saml2-sp-metadata-config';
import { IsStringRecord } from './schema-decorators';

const oneOf = (key: string, names: readonly string[]) => ({ message: `${key} must be one of: ${names.join(', ')}` });

/** Optional XML encryption of what the STS issues, to the SP's certificate. */
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

  /** Content encryption of the EncryptedData. */
  @IsIn(DATA_ENCRYPTION_NAMES, oneOf('data_algorithm', DATA_ENCRYPTION_NAMES))
  @IsOptional()
  data_algorithm: DataEncryptionName = 'aes256-gcm';

  /** How the content key is encrypted to the SP's RSA key. */
  @IsIn(KEY_TRANSPORT_NAMES, oneOf('key_transport', KEY_TRANSPORT_NAMES))
  @IsOptional()
  key_transport: KeyTransportName = 'rsa-oaep-mgf1p';
}

/** One SAML attribute of the AttributeStatement. */
export class Saml2AttributeConfig {
  /** The Attribute's Name (`urn:oid:0.9.2342.19200300.100.1.3`, `email`). */
  @IsString()
  name!: string;

  /** The identity attribute (or input-token claim) its values come from. */
  @IsString()
  source!: string;

  /** Defaults to the SP's (from its metadata), else uri for a name that is an absolute URI, else basic. */
  @IsIn(ATTRIBUTE_NAME_FORMATS, oneOf('name_format', ATTRIBUTE_NAME_FORMATS))
  @IsOptional()
  name_format?: AttributeNameFormatName;

  /** FriendlyName; defaults to the SP's (from its metadata), else none. */
  @IsString()
  @IsOptional()
  friendly_name?: string;

  /** The xsi:type of each AttributeValue; auto: by the JSON type of each value. */
  @IsIn(ATTRIBUTE_VALUE_TYPES, oneOf('value_type', ATTRIBUTE_VALUE_TYPES))
  @IsOptional()
  value_type: AttributeValueTypeName = 'auto';
}

/** Where the Subject's NameID comes from and what it is qualified with. */
export class Saml2NameIdConfig {
  /** An identity attribute (or input-token claim) whose value is the NameID; default: the principal. */
  @IsString()
  @IsOptional()
  attribute?: string;

  /** NameID@NameQualifier. */
  @IsString()
  @IsOptional()
  name_qualifier?: string;

  /** NameID@SPNameQualifier. */
  @IsString()
  @IsOptional()
  sp_name_qualifier?: string;

  /** kid of a realm `oct` key: the NameID is a persistent identifier derived per SP (HMAC-SHA256). */
  @IsString()
  @IsOptional()
  pairwise_key?: string;
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

  /** Issue a bare assertion, or a samlp:Response around it; output_token_state.token_form overrides. */
  @IsIn(SAML2_TOKEN_FORMS, oneOf('token_form', SAML2_TOKEN_FORMS))
  @IsOptional()
  token_form: Saml2TokenForm = 'assertion';

  /** The issued token as XML text or base64 of it (an HTML POST binding's SAMLResponse); output_token_state.encoding overrides. */
  @IsIn(SAML2_ENCODINGS, oneOf('encoding', SAML2_ENCODINGS))
  @IsOptional()
  encoding: Saml2Encoding = 'xml';

  /** Format of Subject/NameID; default: persistent with name_id.pairwise_key, else the SP's first NameIDFormat, else unspecified. */
  @IsString()
  @IsOptional()
  name_id_format?: string;

  @Type(() => Saml2NameIdConfig)
  @ValidateNested()
  @IsOptional()
  name_id?: Saml2NameIdConfig;

  @Max(86400)
  @Min(1)
  @IsInt()
  @IsOptional()
  token_lifetime_seconds: number = 600;

  /** AuthnStatement@SessionNotOnOrAfter is the authentication time plus this; none when unset. */
  @Max(31_536_000)
  @Min(60)
  @IsInt()
  @IsOptional()
  session_lifetime_seconds?: number;

  /** SAML attribute name <- identity attribute (or input-token claim). */
  @IsStringRecord()
  @IsOptional()
  attribute_map: Record<string, string> = {};

  /** Attributes with their name format, friendly name and value type (beside attribute_map). */
  @Type(() => Saml2AttributeConfig)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  attributes: Saml2AttributeConfig[] = [];

  @IsBoolean()
  @IsOptional()
  sign_assertion: boolean = true;

  /** Sign the samlp:Response (enveloped, after its Issuer), in addition to or instead of the assertion. */
  @IsBoolean()
  @IsOptional()
  sign_response: boolean = false;

  /**
   * kid of a realm RSA key (>= 2048 bits) or EC P-256/P-384/P-521 key with use sig and a
   * certificate_file (for KeyInfo); needed when sign_assertion or sign_response.
   */
  @IsString()
  @IsOptional()
  signing_key?: string;

  /** Default: rsa-sha256 for an RSA key; for an EC key the ECDSA hash matched to the curve. */
  @IsIn(SIGNATURE_ALGORITHM_NAMES, oneOf('signature_algorithm', SIGNATURE_ALGORITHM_NAMES))
  @IsOptional()
  signature_algorithm?: SignatureAlgorithmName;

  @IsIn(DIGEST_ALGORITHM_NAMES, oneOf('digest_algorithm', DIGEST_ALGORITHM_NAMES))
  @IsOptional()
  digest_algorithm: DigestAlgorithmName = 'sha256';

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
