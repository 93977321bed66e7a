/**
 * Input type JWT: `{jwt}`, an access token (RFC 9068, `typ` at+jwt unless the issuer's
 * `allowed_typ` says otherwise) from an issuer listed in `oidc_validation.trusted_issuers`; see jwt-input/.
 */
import type { ConfigurationCheckContext, ConfigurationProblem, TokenValidationResult, TokenValidator, TokenValidatorParams } from '../../plugin-api/token-contract';
import { checkInputJwtConfiguration, validateInputJwt } from '../jwt-input/jwt-input-validation';

export class JwtTokenValidator implements TokenValidator {
  validateToken(params: TokenValidatorParams): Promise<TokenValidationResult> {
    return validateInputJwt(params, 'jwt', 'access_token');
  }

  checkConfiguration(context: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    return checkInputJwtConfiguration(context);
  }
}
