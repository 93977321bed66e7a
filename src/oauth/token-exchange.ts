/**
 * RFC 8693 token exchange for an authenticated client of an instance: map the token type URIs,
 * check what the client may ask for, then let the dispatcher validate and provide as for
 * `/rest-sts` translate (same transforms, same persistence), adding audience and `act`.
 */
import type { JsonObject } from '../plugin-api/json';
import type { AuthenticatedClient, StsRequestContext } from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { TokenDispatcher } from '../transform/token-dispatcher';
import type { FormBody } from './form-body';
import { TokenExchangeError } from './token-exchange-error';
import { actClaimOf, configuredAudiencesOf, grantedScopes, narrowedAudience, requestedScopes } from './token-exchange-policy';
import { checkGrantType, readTokenExchangeRequest } from './token-exchange-request';
import { accessTokenTypeOf, inputTokenStateOf, stsTokenTypeOf, wireTokenOf } from './token-exchange-types';

/** RFC 8693 section 2.2.1. */
export interface TokenExchangeResponse {
  access_token: string;
  issued_token_type: string;
  token_type: 'Bearer' | 'N_A';
  expires_in?: number;
  scope?: string;
}

export interface TokenExchangeCall {
  readonly target: LoadedInstance;
  /** The authenticated client: the issued token is its (`client_id`), bound to its certificate where it used one. */
  readonly client: AuthenticatedClient;
  readonly form: FormBody;
  readonly request: StsRequestContext;
}

export async function exchangeToken(dispatcher: TokenDispatcher, { target, client, form, request }: TokenExchangeCall): Promise<TokenExchangeResponse> {
  const settings = target.instance.settings;
  const clientId = client.id;
  checkGrantType(form);
  const policy = settings.token_exchange;
  if (!policy) throw new TokenExchangeError('unsupported_grant_type', `Instance ${target.instance.path} does not offer token exchange.`);
  if (policy.allowed_clients.length > 0 && !policy.allowed_clients.includes(clientId)) {
    throw new TokenExchangeError('unauthorized_client', 'This client may not use token exchange at this instance.');
  }
  const exchange = readTokenExchangeRequest(form);
  const outputType = stsTokenTypeOf(exchange.requestedTokenType);
  if (outputType === undefined) {
    throw new TokenExchangeError('invalid_request', `requested_token_type ${JSON.stringify(exchange.requestedTokenType.slice(0, 100))} is not a token type this server issues.`);
  }
  if (exchange.actor && outputType === 'SAML2') throw new TokenExchangeError('invalid_request', 'A SAML2 assertion cannot express delegation (act).');
  const audience = narrowedAudience(exchange.targets, configuredAudiencesOf(outputType, settings));
  const requested = requestedScopes(exchange.scopes, outputType, settings);

  let scopes: string[] = [];
  const issued = await dispatcher.exchange({
    target,
    inputTokenState: inputTokenStateOf(exchange.subjectTokenType, exchange.subjectToken, 'subject_token'),
    actorTokenState: exchange.actor && inputTokenStateOf(exchange.actor.tokenType, exchange.actor.token, 'actor_token'),
    outputTokenState: outputTokenStateOf(outputType),
    request,
    client,
    decide: (subject, actor) => {
      scopes = grantedScopes(requested, outputType, settings, subject);
      return {
        clientId,
        ...(outputType === 'JWT' && { scope: scopes }),
        ...(audience && { audience }),
        ...(actor && { actor: actClaimOf(subject, actor, policy.allowed_actors) }),
      };
    },
  });
  const expiresIn = issued.expiresAt && Math.max(0, Math.round((issued.expiresAt.getTime() - Date.now()) / 1000));
  return {
    access_token: wireTokenOf(outputType, issued.token),
    issued_token_type: exchange.requestedTokenType,
    token_type: accessTokenTypeOf(outputType),
    ...(expiresIn !== undefined && { expires_in: expiresIn }),
    ...(scopes.length > 0 && { scope: scopes.join(' ') }),
  };
}

/** What `/rest-sts` would send as output_token_state; client and scopes travel in the exchange context. */
function outputTokenStateOf(outputType: string): JsonObject {
  if (outputType === 'SAML2') return { token_type: outputType, subject_confirmation: 'BEARER' };
  return { token_type: outputType };
}
