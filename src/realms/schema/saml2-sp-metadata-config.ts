import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** The SP named by its SAML metadata (a file or an https URL) instead of typed settings. */
export class Saml2SpMetadataConfig {
  /** The SP's metadata (an EntityDescriptor), relative to the config dir. One of file and url. */
  @IsString()
  @IsOptional()
  file?: string;

  /** Where the SP publishes its metadata (https). One of file and url. */
  @IsString()
  @IsOptional()
  url?: string;

  /** When set, the metadata must carry an enveloped signature that verifies with this certificate (PEM). */
  @IsString()
  @IsOptional()
  certificate_file?: string;

  /** How long metadata fetched from url is used before it is fetched again. */
  @Max(604_800)
  @Min(60)
  @IsInt()
  @IsOptional()
  refresh_seconds: number = 3600;
}
