/** The built-in token types, registered through the same manifest a plugin exports. */
import { STS_CONTRACT_VERSION, type StsPluginManifest } from '../plugin-api/token-contract';
import type { ServerConfig } from '../server-config/server-config';
import { AccessTokenProvider } from './jwt/access-token.provider';
import { JwtTokenValidator } from './jwt/jwt.validator';
import { OidcTokenProvider } from './oidc/oidc.provider';
import { OidcTokenValidator } from './oidc/oidc.validator';
import { Saml2TokenProvider } from './saml2/saml2.provider';
import { Saml2TokenValidator } from './saml2/saml2.validator';
import { UsernameTokenValidator } from './username/username.validator';
import { X509IssuanceProvider } from './x509/x509-issuance.provider';
import { X509TokenValidator } from './x509/x509.validator';

/** `config` (server.yaml) gives USERNAME its login back-off; without it there is none. */
export function builtinTokenTypes(config?: Pick<ServerConfig, 'loginBackoff' | 'trustedProxies'>): StsPluginManifest {
  return {
    name: 'builtin',
    contractVersion: STS_CONTRACT_VERSION,
    validators: {
      USERNAME: new UsernameTokenValidator(config?.loginBackoff, config?.trustedProxies),
      X509: new X509TokenValidator(),
      SAML2: new Saml2TokenValidator(),
      OPENIDCONNECT: new OidcTokenValidator(),
      JWT: new JwtTokenValidator(),
    },
    providers: { OPENIDCONNECT: new OidcTokenProvider(), JWT: new AccessTokenProvider(), X509: new X509IssuanceProvider(), SAML2: new Saml2TokenProvider() },
  };
}
