import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';

/**
 * The SP named by its SAML metadata (a file or an https URL) instead of typed settings. Exactly one
 * of file and url (checked with the metadata at load, where the reason can name both).
 */
export class Saml2SpMetadataConfig {
  /** The SP's metadata (an EntityDescriptor), relative to the config dir; read at load. */
  @IsNotEmpty()
  @IsString()
  @IsOptional()
  file?: string;

  /** Where the SP publishes its metadata: https, or http to a loopback host. Fetched at load, then refreshed. */
  @IsNotEmpty()
  @IsString()
  @IsOptional()
  url?: string;

  /** When set, the metadata must carry an enveloped signature on its root that verifies with this certificate (PEM). */
  @IsNotEmpty()
  @IsString()
  @IsOptional()
  certificate_file?: string;

  /** How long metadata fetched from url is used before its next use fetches it again (in the background). */
  @Max(604_800)
  @Min(60)
  @IsInt()
  @IsOptional()
  refresh_seconds: number = 3600;
}
