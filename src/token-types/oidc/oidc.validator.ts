/**
 * Input type OPENIDCONNECT: `{oidc_id_token}`, an ID token from an issuer listed in
 * `oidc_validation.trusted_issuers`. Refuses access tokens (header `typ` at+jwt, or an access-token
 * claim such as `token_use: access`); see jwt-input/.
 */
import type { ConfigurationCheckContext, ConfigurationProblem, TokenValidationResult, TokenValidator, TokenValidatorParams } from '../../plugin-api/token-contract';
import { checkInputJwtConfiguration, validateInputJwt } from '../jwt-input/jwt-input-validation';

export class OidcTokenValidator implements TokenValidator {
  validateToken(params: TokenValidatorParams): Promise<TokenValidationResult> {
    return validateInputJwt(params, 'oidc_id_token', 'id_token');
  }

  checkConfiguration(context: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    return checkInputJwtConfiguration(context);
  }
}
