/**
 * `oauth_clients:` of an instance: who may call its OAuth endpoints (introspection, revocation).
 * Each client has exactly one secret source: a PHC scrypt hash (as for users) or the name of an
 * environment variable, so no secret is written into a realm file.
 */
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsAbsent } from './schema-decorators';

export class OAuthClientConfig {
  /** RFC 6749 client_id: visible ASCII (sent URL-encoded in Basic authentication). */
  @Matches(/^[\x21-\x7e]+$/, { message: 'client_id must be visible ASCII characters without spaces' })
  @MaxLength(128)
  @IsString()
  client_id!: string;

  /** PHC string `$scrypt$ln=..,r=..,p=..$salt$hash` (`npm run hash-password`); checked in depth at load. */
  @Matches(/^\$scrypt\$/, {
    message: 'client_secret_hash must be a PHC scrypt string ($scrypt$ln=15,r=8,p=1$<salt>$<hash>); create one with `npm run hash-password`',
  })
  @IsString()
  @IsOptional()
  client_secret_hash?: string;

  /** Name of an environment variable holding the secret. */
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'client_secret_env must be an environment variable name' })
  @IsString()
  @IsOptional()
  client_secret_env?: string;

  @IsAbsent('plaintext client secrets are refused; use client_secret_hash (`npm run hash-password`) or client_secret_env')
  client_secret?: unknown;
}
