/**
 * Tokens issued from a session (SESSION or OPENAM input), linked to it in the token store so a
 * logout can cancel them where the instance asks (`session.cancel_issued_tokens_on_logout`).
 * Wraps the built-in token providers: each token they issue from a session is linked to it.
 */
import type { TokenProvider, TokenProviderParams } from '../../plugin-api/token-contract';
import type { Sessions } from './sessions';

export function linkedToSessions(sessions: Sessions, providers: Readonly<Record<string, TokenProvider>>): Record<string, TokenProvider> {
  return Object.fromEntries(Object.entries(providers).map(([type, provider]) => [type, linkedProvider(sessions, provider)]));
}

function linkedProvider(sessions: Sessions, provider: TokenProvider): TokenProvider {
  return {
    issuedTokenField: provider.issuedTokenField,
    verifyIssuedToken: provider.verifyIssuedToken?.bind(provider),
    checkOutputTokenState: provider.checkOutputTokenState?.bind(provider),
    checkConfiguration: provider.checkConfiguration?.bind(provider),
    async createToken(params: TokenProviderParams) {
      const created = await provider.createToken(params);
      const issued = typeof created === 'string' ? { token: created } : created;
      // Only a well-formed token is linked; the dispatcher refuses anything else anyway.
      if (typeof issued?.token === 'string') await sessions.linkIssued(params, params.session, issued.token, issued.expiresAt);
      return created;
    },
  };
}
