/**
 * OIDC redirects: a translate with `authorization_request` issues an ID token (and, for
 * `id_token token`, an access token it carries the at_hash of) for the request's client and
 * answers with the redirect to its registered URI instead of JSON; a failed validation redirects
 * there with an OAuth error; `_action=redirect_error` redirects with the caller's error.
 */
import { Logger } from '@nestjs/common';
import { isStsError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import type { IssuedToken } from '../plugin-api/token-contract';
import type { MultiTranslateRequest, TokenDispatcher } from '../transform/token-dispatcher';
import { authorizationRequestOf, type AuthorizationRequest } from './authorization-request';
import { callerRedirectError, redirectErrorOf, type RedirectError } from './redirect-error';
import { formPostPage, formPostPolicy, redirectLocation, type ResponseParameters } from './redirect-response';

/** The HTTP answer: a 302 with Location, or a 200 HTML page (form_post). */
export interface RedirectAnswer {
  readonly status: 200 | 302;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The two outputs of an implicit response, by the names of their response parameters. */
const ID_TOKEN = 'id_token';
const ACCESS_TOKEN = 'access_token';

const logger = new Logger('OidcRedirect');

type Translation = Omit<MultiTranslateRequest, 'outputTokenStates' | 'issuedTo'>;

export async function translateByRedirect(dispatcher: TokenDispatcher, translation: Translation, raw: unknown): Promise<RedirectAnswer> {
  // A 400 here (unknown client, unregistered redirect_uri, ...) goes back as JSON: no redirect.
  const authorization = authorizationRequestOf(raw, translation.target.instance.settings, 'tokens');
  const withAccessToken = authorization.responseType === 'id_token token';
  const outputTokenStates: Record<string, JsonObject> = {
    ...(withAccessToken && { [ACCESS_TOKEN]: { token_type: 'JWT' } }),
    [ID_TOKEN]: { token_type: 'OPENIDCONNECT', nonce: authorization.nonce! },
  };
  let issued: Record<string, IssuedToken>;
  try {
    issued = await dispatcher.translateManyIssued({
      ...translation,
      outputTokenStates,
      // OIDC Core 2: the ID token's audience is the client it is sent to; the access token names it as its client.
      issuedTo: { [ID_TOKEN]: { clientId: authorization.clientId, audience: [authorization.clientId] }, [ACCESS_TOKEN]: { clientId: authorization.clientId } },
    });
  } catch (error) {
    if (!isStsError(error) || error.status >= 500) logger.error(`translate for an OIDC redirect failed (request ${translation.request.requestId})`, error instanceof Error ? error.stack : String(error));
    return errorRedirect(authorization, redirectErrorOf(error));
  }
  const accessToken = issued[ACCESS_TOKEN];
  const parameters: [string, string][] = [];
  if (accessToken) {
    parameters.push([ACCESS_TOKEN, accessToken.token], ['token_type', 'Bearer']);
    if (accessToken.expiresAt) parameters.push(['expires_in', String(Math.max(0, Math.round((accessToken.expiresAt.getTime() - Date.now()) / 1000)))]);
  }
  parameters.push([ID_TOKEN, issued[ID_TOKEN]!.token]);
  return redirectAnswer(authorization, withState(parameters, authorization));
}

/** `_action=redirect_error`: the caller's error, checked, to the registered redirect URI. */
export function redirectWithError(
  settings: Parameters<typeof authorizationRequestOf>[1],
  body: { authorization_request: unknown; error: unknown; error_description?: unknown; error_code?: unknown; error_reason?: unknown },
): RedirectAnswer {
  const authorization = authorizationRequestOf(body.authorization_request, settings, 'error');
  return errorRedirect(authorization, callerRedirectError(body));
}

function errorRedirect(authorization: AuthorizationRequest, error: RedirectError): RedirectAnswer {
  const parameters = Object.entries(error).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return redirectAnswer(authorization, withState(parameters, authorization));
}

/** state goes back exactly as it came (RFC 6749 4.1.2, 4.1.2.1). */
function withState(parameters: [string, string][], authorization: AuthorizationRequest): ResponseParameters {
  return authorization.state === undefined ? parameters : [...parameters, ['state', authorization.state]];
}

function redirectAnswer(authorization: AuthorizationRequest, parameters: ResponseParameters): RedirectAnswer {
  // Tokens and codes in the answer: never cached (RFC 6749 5.1), whatever the mode.
  const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };
  if (authorization.responseMode === 'form_post') {
    return {
      status: 200,
      headers: { ...noStore, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': formPostPolicy(authorization.redirectUri) },
      body: formPostPage(authorization.redirectUri, parameters),
    };
  }
  return { status: 302, headers: { ...noStore, location: redirectLocation(authorization.redirectUri, parameters, authorization.responseMode) } };
}
