import { IsArray, IsBoolean, IsIn, IsInt, IsIP, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsStringRecord } from './schema-decorators';

export const PRINCIPAL_SOURCES = ['subject_cn', 'san_email', 'san_dns', 'subject_dn'] as const;
export type PrincipalSource = (typeof PRINCIPAL_SOURCES)[number];

/** Input type X509: which client certificates are accepted, and where they may come from. */
export class X509ValidationConfig {
  /** PEM bundle of the CA certificates a client certificate must chain to; required unless `proxy_verifies_chain`. */
  @IsString()
  @IsOptional()
  trust_anchors_file?: string;

  /**
   * true: the trusted proxies checked the client certificate's chain in their TLS handshake (as
   * PingAM's TLS offload engines do); only their header is accepted, and this STS checks the
   * certificate's validity period and client usage, not its chain.
   */
  @IsBoolean()
  @IsOptional()
  proxy_verifies_chain: boolean = false;

  /** Optional PEM bundle of intermediate CA certificates used to build chains. */
  @IsString()
  @IsOptional()
  intermediates_file?: string;

  /** Header carrying the client certificate from a TLS-terminating proxy (URL-encoded PEM or base64 DER). */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'client_certificate_header must be an HTTP header name (letters, digits, - and _)' })
  @IsOptional()
  client_certificate_header?: string;

  /** Peers whose certificate header is believed; the header from anyone else is refused. */
  @IsIP(undefined, { each: true, message: 'each trusted proxy must be an IP address' })
  @IsArray()
  @IsOptional()
  trusted_proxies: string[] = [];

  /** PEM or DER CRL of the trust anchor (or intermediate); revoked certificates are refused. */
  @IsString()
  @IsOptional()
  crl_file?: string;

  @IsIn(PRINCIPAL_SOURCES, { message: `principal_from must be one of: ${PRINCIPAL_SOURCES.join(', ')}` })
  @IsOptional()
  principal_from: PrincipalSource = 'subject_cn';
}

/** Output type X509: short-lived client certificates signed from a CSR. */
export class X509IssuanceConfig {
  /** kid of a realm key with a CA certificate (basicConstraints CA, keyCertSign). */
  @IsString()
  ca_key!: string;

  @Max(525600)
  @Min(1)
  @IsInt()
  @IsOptional()
  certificate_lifetime_minutes: number = 60;

  /** SAN type (email, dns, uri) <- identity attribute. */
  @IsStringRecord()
  @IsOptional()
  subject_alt_names: Record<string, string> = {};
}
