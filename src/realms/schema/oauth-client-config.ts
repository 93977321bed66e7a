/**
 * `oauth_clients:` of an instance: who may call its OAuth endpoints (token, introspection,
 * revocation), and how each client authenticates (`token_endpoint_auth_method`, RFC 7591 names):
 * a secret (a PHC scrypt hash, as for users, or the name of an environment variable, so no secret
 * is written into a realm file), a signed JWT (RFC 7523, `private_key_jwt`) or a TLS client
 * certificate (RFC 8705). Which keys go with which method is checked at load.
 */
import { ArrayMaxSize, IsArray, IsIn, IsIP, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS, type ClientAuthMethod } from './client-auth-methods';
import { IsAbsent, IsEnvName } from './schema-decorators';

export class OAuthClientConfig {
  /** RFC 6749 client_id: visible ASCII (sent URL-encoded in Basic authentication). */
  @Matches(/^[\x21-\x7e]+$/, { message: 'client_id must be visible ASCII characters without spaces' })
  @MaxLength(128)
  @IsString()
  client_id!: string;

  /**
   * How the client authenticates. Absent: a client with a secret may use either secret method
   * (client_secret_basic or client_secret_post); a client without one must name its method.
   */
  @IsIn(CLIENT_AUTH_METHODS, { message: `token_endpoint_auth_method must be one of: ${CLIENT_AUTH_METHODS.join(', ')}` })
  @IsOptional()
  token_endpoint_auth_method?: ClientAuthMethod;

  /** PHC string `$scrypt$ln=..,r=..,p=..$salt$hash` (`npm run hash-password`); checked in depth at load. */
  @Matches(/^\$scrypt\$/, {
    message: 'client_secret_hash must be a PHC scrypt string ($scrypt$ln=15,r=8,p=1$<salt>$<hash>); create one with `npm run hash-password`',
  })
  @IsString()
  @IsOptional()
  client_secret_hash?: string;

  /** Name of an environment variable holding the secret. */
  @IsEnvName()
  @IsString()
  @IsOptional()
  client_secret_env?: string;

  @IsAbsent('plaintext client secrets are refused; use client_secret_hash (`npm run hash-password`) or client_secret_env')
  client_secret?: unknown;

  /** private_key_jwt: the client's public keys as a JWKS file; self_signed_tls_client_auth: its certificates (`x5c`). */
  @IsString()
  @IsOptional()
  jwks_file?: string;

  /** The same, fetched from the client's JWKS URL (https; http only to loopback). */
  @IsString()
  @IsOptional()
  jwks_url?: string;

  /** self_signed_tls_client_auth: the client's certificates, PEM (one or more). */
  @IsString()
  @IsOptional()
  certificate_file?: string;

  /** private_key_jwt: the one JWS algorithm its assertions use; absent: any asymmetric one its keys suit. */
  @IsIn(CLIENT_ASSERTION_ALGORITHMS, { message: `token_endpoint_auth_signing_alg must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')} (no none, no HS*: a client is known by its public keys)` })
  @IsOptional()
  token_endpoint_auth_signing_alg?: string;

  /** tls_client_auth: the subject DN of its certificate, RFC 4514 (`CN=gateway,O=Example`). */
  @MinLength(1)
  @IsString()
  @IsOptional()
  tls_client_auth_subject_dn?: string;

  /** tls_client_auth: a dNSName SAN of its certificate. */
  @MinLength(1)
  @IsString()
  @IsOptional()
  tls_client_auth_san_dns?: string;

  /** tls_client_auth: a uniformResourceIdentifier SAN of its certificate. */
  @MinLength(1)
  @IsString()
  @IsOptional()
  tls_client_auth_san_uri?: string;

  /** tls_client_auth: an iPAddress SAN of its certificate. */
  @IsIP(undefined, { message: 'tls_client_auth_san_ip must be an IP address' })
  @IsOptional()
  tls_client_auth_san_ip?: string;

  /** tls_client_auth: an rfc822Name SAN of its certificate. */
  @MinLength(1)
  @IsString()
  @IsOptional()
  tls_client_auth_san_email?: string;

  /**
   * Where an OIDC redirect (a translate with `authorization_request`) may send this client's
   * browser: compared as exact strings, no wildcards. Checked at load (oidc-redirect/redirect-uri-checks.ts).
   */
  @ArrayMaxSize(32)
  @MaxLength(2048, { each: true })
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  redirect_uris?: string[];
}
