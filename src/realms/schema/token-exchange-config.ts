import { IsArray, IsOptional, IsString } from 'class-validator';

/**
 * `POST /oauth2{P}/token` (RFC 8693 token exchange). Present: the instance offers the grant to its
 * `oauth_clients`; absent: the token endpoint answers `unsupported_grant_type`.
 */
export class TokenExchangeConfig {
  /** client_ids of `oauth_clients` that may exchange tokens; empty: every client of the instance. */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  allowed_clients: string[] = [];

  /**
   * Actor principals that may act for any subject (delegation), even when the subject token's
   * `may_act` claim does not name them. Empty: only what `may_act` permits.
   */
  @IsString({ each: true })
  @IsArray()
  @IsOptional()
  allowed_actors: string[] = [];
}
