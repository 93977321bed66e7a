/**
 * `POST /rest-sts{P}?_action=translate|validate|cancel` in PingAM's REST STS wire format.
 * Thin: finds the instance, checks the body's shape, hands over to the dispatcher.
 */
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TRANSLATE_EXAMPLES } from '../docs/api-examples';
import { ApiErrors } from '../docs/api-decorators';
import { InvalidRequestError } from '../errors/sts-errors';
import { presentedClient, type ClientParameters } from '../oauth/client-credentials';
import { InstanceClients } from '../oauth/instance-client';
import type { AuthenticatedClient } from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import { InstanceRateLimits } from '../ratelimit/instance-rate-limits';
import { RealmRegistry } from '../realms/realm-registry.service';
import { instanceFromWildcard } from '../realms/instance-route';
import { requestContextOf } from './request-context';
import { IssuedTokenActions } from './issued-token-actions';
import { isSessionState, SessionActions } from '../token-types/session/session-actions';
import { CancelBody, parseBody, RedirectErrorBody, TokenDetailsBody, TranslateBody, ValidateBody } from './request-bodies';
import { redirectWithError, translateByRedirect, type RedirectAnswer } from '../oidc-redirect/oidc-redirects';
import { TokenDispatcher } from './token-dispatcher';

/** The client authentication members a JSON body may carry (ClientAuthenticationMembers in request-bodies.ts). */
const CLIENT_MEMBERS = ['client_id', 'client_assertion_type', 'client_assertion'] as const;

const ACTIONS = ['translate', 'validate', 'cancel', 'token_details', 'session_info', 'redirect_error'] as const;

@ApiTags('REST STS')
@Controller('rest-sts')
export class TransformController {
  constructor(
    private readonly realms: RealmRegistry,
    private readonly dispatcher: TokenDispatcher,
    private readonly issuedTokenActions: IssuedTokenActions,
    private readonly instanceLimits: InstanceRateLimits,
    private readonly clients: InstanceClients,
    private readonly sessionActions: SessionActions,
  ) {}

  @Post('*')
  @HttpCode(200)
  @ApiOperation({ operationId: 'restSts', summary: 'Translate a token, or validate / cancel one this instance issued (PingAM REST STS)' })
  @ApiQuery({ name: '_action', required: true, enum: ACTIONS })
  @ApiBody({ schema: { type: 'object' }, examples: TRANSLATE_EXAMPLES })
  @ApiOkResponse({ description: 'translate: `{"issued_token": "..."}` (`{"issued_tokens": {...}}` with output_token_states); token_details: `{"token_type", "expired", "claims"|"principal", ...}`; validate: `{"token_valid": true|false, "principal"?}`; cancel: `{"result": "..."}`; translate with authorization_request and redirect_error: a 302 to the registered redirect URI (or a 200 form_post page)' })
  @ApiErrors(400, 401, 404, 409, 413, 415, 429, 503, 504)
  async act(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<object | string | undefined> {
    // The query and body straight from the request: Nest's @Query/@Body resolve them per request for nothing.
    const action = (request.query as Record<string, unknown>)._action;
    const body: unknown = request.body;
    const target = instanceFromWildcard(this.realms, request);
    const admitted = this.instanceLimits.admit(target);
    if (admitted) await admitted;
    switch (checkedAction(action)) {
      case 'translate': {
        // The body's client members are read where needed, not copied out (no rest destructuring per request).
        const translate = parseBody(TranslateBody, body);
        const mode = target.instance.settings.translate_client_authentication;
        const authenticating = this.client(target, request, reply, translate, mode === 'none' ? undefined : mode, 'translate_client_authentication: none');
        const client = authenticating && (await authenticating);
        const { input_token_state, output_token_state, output_token_states, authorization_request } = translate;
        const translation = { target, inputTokenState: input_token_state, request: requestContextOf(request), ...(client && { client }) };
        // An OIDC redirect: a 302 (or a form_post page) to the client's registered redirect URI.
        if (authorization_request !== undefined) return sent(reply, await translateByRedirect(this.dispatcher, translation, authorization_request));
        // Several outputs from one validation: {"issued_tokens": {<name>: <token>}}.
        if (output_token_states !== undefined) return { issued_tokens: await this.dispatcher.translateMany({ ...translation, outputTokenStates: output_token_states }) };
        const issued_token = await this.dispatcher.translate({ ...translation, outputTokenState: output_token_state! });
        return { issued_token };
      }
      case 'redirect_error': {
        const { authorization_request, error, error_description, error_code, error_reason, ...credentials } = parseBody(RedirectErrorBody, body);
        // Whoever may translate may redirect with an error: the same client authentication.
        const mode = target.instance.settings.translate_client_authentication;
        await this.client(target, request, reply, credentials, mode === 'none' ? undefined : mode, 'translate_client_authentication: none');
        return sent(reply, redirectWithError(target.instance.settings, { authorization_request, error, error_description, error_code, error_reason }));
      }
      case 'token_details':
        return this.issuedTokenActions.details(target, parseBody(TokenDetailsBody, body));
      case 'session_info':
        return this.sessionActions.info(target, body);
      case 'validate': {
        const { validated_token_state } = parseBody(ValidateBody, body);
        if (isSessionState(validated_token_state)) return this.sessionActions.validate(target, validated_token_state);
        return this.issuedTokenActions.validate(target, validated_token_state, callerOf(request));
      }
      case 'cancel': {
        const { cancelled_token_state, ...credentials } = parseBody(CancelBody, body);
        const required = target.instance.settings.cancel_requires_client_authentication;
        const client = await this.client(target, request, reply, credentials, required ? 'required' : undefined, 'cancel_requires_client_authentication: false');
        // A session (SESSION, OPENAM) is a logout; it belongs to no client.
        if (isSessionState(cancelled_token_state)) return this.sessionActions.logout(target, cancelled_token_state, callerOf(request));
        return this.issuedTokenActions.cancel(target, cancelled_token_state, callerOf(request), client?.id);
      }
    }
  }

  /**
   * The client a translate or cancel authenticates: `required`, `optional` (only a client that
   * presents credentials: HTTP Basic or the body's members) or not at all (`undefined`), where
   * client members in the body are refused rather than ignored and the Authorization header is
   * left alone, as before. Undefined, not a promise, when no client is to be authenticated.
   */
  private client(
    target: LoadedInstance,
    request: FastifyRequest,
    reply: FastifyReply,
    members: ClientParameters,
    mode: 'optional' | 'required' | undefined,
    setting: string,
  ): Promise<AuthenticatedClient> | undefined {
    const named = CLIENT_MEMBERS.filter((name) => members[name] !== undefined);
    if (mode === undefined) {
      if (named.length === 0) return undefined;
      throw new InvalidRequestError(`Instance ${target.instance.path} does not authenticate clients here (${setting}); leave out ${named.join(', ')}.`);
    }
    const authorization = request.headers.authorization;
    if (mode === 'optional' && authorization === undefined && named.length === 0) return undefined;
    return this.clients.authenticate(target, request, reply, () => presentedClient(authorization, members));
  }
}

/** A redirect's status and headers on the reply; its body (a form_post page) returned for Nest to send. */
function sent(reply: FastifyReply, answer: RedirectAnswer): string | undefined {
  void reply.code(answer.status).headers(answer.headers);
  return answer.body;
}

function callerOf(request: FastifyRequest): { request_id: string; remote_address: string } {
  return { request_id: String(request.id), remote_address: request.ip };
}

function checkedAction(action: unknown): (typeof ACTIONS)[number] {
  if (typeof action === 'string' && (ACTIONS as readonly string[]).includes(action)) return action as (typeof ACTIONS)[number];
  throw new InvalidRequestError(
    action === undefined ? `The _action query parameter is required (${ACTIONS.join(', ')}).` : `Unknown _action; use ${ACTIONS.join(', ')}.`,
    { code: 'unknown_action' },
  );
}
