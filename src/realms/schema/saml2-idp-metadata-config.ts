import { IsBoolean, IsInt, IsOptional, IsUrl, Max, Min } from 'class-validator';

/** The IdP metadata this instance publishes at /saml2{instance path}/metadata. */
export class Saml2IdpMetadataConfig {
  /** Sign the EntityDescriptor (enveloped signature) with the instance's SAML signing key. */
  @IsBoolean()
  @IsOptional()
  sign: boolean = false;

  /** validUntil is now plus this. */
  @Max(31_536_000)
  @Min(3600)
  @IsInt()
  @IsOptional()
  valid_seconds: number = 604_800;

  /** cacheDuration: how long an SP may use the metadata before fetching it again. */
  @Max(604_800)
  @Min(60)
  @IsInt()
  @IsOptional()
  cache_duration_seconds: number = 86_400;

  /**
   * SingleSignOnService Location: where SPs send AuthnRequests (the login front end that calls the
   * STS); defaults to this instance's translate URL under server.yaml public_base_url.
   */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['https', 'http'] }, { message: 'single_sign_on_url must be an http(s) URL' })
  @IsOptional()
  single_sign_on_url?: string;
}
