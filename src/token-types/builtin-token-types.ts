/** The built-in token types, registered through the same manifest a plugin exports. */
import { STS_CONTRACT_VERSION, type StsPluginManifest } from '../plugin-api/token-contract';
import type { LoginBackoffStore } from '../ratelimit/login-backoff';
import { AccessTokenProvider } from './jwt/access-token.provider';
import { JwtTokenValidator } from './jwt/jwt.validator';
import { OidcTokenProvider } from './oidc/oidc.provider';
import { OidcTokenValidator } from './oidc/oidc.validator';
import { Saml2TokenProvider } from './saml2/saml2.provider';
import { Saml2TokenValidator } from './saml2/saml2.validator';
import { SessionTokenProvider } from './session/session.provider';
import { SessionTokenValidator } from './session/session.validator';
import { Sessions } from './session/sessions';
import type { TokenStore } from '../tokens/token-store';
import { UsernameTokenValidator } from './username/username.validator';
import { X509IssuanceProvider } from './x509/x509-issuance.provider';
import { X509TokenValidator } from './x509/x509.validator';

export interface BuiltinOptions {
  /** USERNAME's login back-off (server.yaml `login_backoff`); without it there is none. */
  readonly loginBackoff?: LoginBackoffStore;
  /** server.yaml `trusted_proxies`: whose X-Forwarded-For names the client the back-off counts. */
  readonly trustedProxies?: readonly string[];
  /** Where SESSION tokens live; without it (configuration checks) sessions cannot be used. */
  readonly tokenStore?: TokenStore;
}

export function builtinTokenTypes(options: BuiltinOptions = {}): StsPluginManifest {
  const sessions = new Sessions(options.tokenStore);
  const sessionValidator = new SessionTokenValidator(sessions);
  return {
    name: 'builtin',
    contractVersion: STS_CONTRACT_VERSION,
    validators: {
      USERNAME: new UsernameTokenValidator(options.loginBackoff, options.trustedProxies),
      X509: new X509TokenValidator(),
      SAML2: new Saml2TokenValidator(),
      OPENIDCONNECT: new OidcTokenValidator(),
      JWT: new JwtTokenValidator(),
      SESSION: sessionValidator,
      OPENAM: sessionValidator,
    },
    providers: {
      OPENIDCONNECT: new OidcTokenProvider(),
      JWT: new AccessTokenProvider(),
      X509: new X509IssuanceProvider(),
      SAML2: new Saml2TokenProvider(),
      SESSION: new SessionTokenProvider(sessions),
    },
  };
}
