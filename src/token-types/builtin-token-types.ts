/** The built-in token types, registered through the same manifest a plugin exports. */
import { STS_CONTRACT_VERSION, type StsPluginManifest } from '../plugin-api/token-contract';
import { AccessTokenProvider } from './jwt/access-token.provider';
import { OidcTokenProvider } from './oidc/oidc.provider';
import { UsernameTokenValidator } from './username/username.validator';

export function builtinTokenTypes(): StsPluginManifest {
  return {
    name: 'builtin',
    contractVersion: STS_CONTRACT_VERSION,
    validators: { USERNAME: new UsernameTokenValidator() },
    providers: { OPENIDCONNECT: new OidcTokenProvider(), JWT: new AccessTokenProvider() },
  };
}
