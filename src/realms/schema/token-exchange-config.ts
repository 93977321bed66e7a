import { IsArray, IsBoolean, IsOptional, IsString } from 'class-validator';

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

  /**
   * false (the default): a subject token that carries a scope bounds the issued scopes. true: only
   * `access_token.allowed_scopes` does, whatever the subject token carries (the behaviour before
   * scopes were bounded; an exchange can then widen a token's scope).
   */
  @IsBoolean()
  @IsOptional()
  allow_scope_widening: boolean = false;
}
