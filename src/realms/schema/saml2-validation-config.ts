import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min, ValidateNested } from 'class-validator';

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

  /**
   * kid of a realm RSA key (2048 bits or more) with use enc: EncryptedAssertion, EncryptedID and
   * EncryptedAttribute elements sent to this instance are decrypted with it (and its certificate is
   * published as the encryption key in metadata). Without it, encrypted input is refused.
   */
  @IsString()
  @IsOptional()
  decryption_key?: string;

  /**
   * Accept only answers to a request the caller names (`input_token_state.in_response_to`), so
   * unsolicited (IdP-initiated) assertions are refused.
   */
  @IsBoolean()
  @IsOptional()
  require_in_response_to: boolean = false;

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
