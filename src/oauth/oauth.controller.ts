/**
 * `POST /oauth2{P}/introspect` (RFC 7662) and `POST /oauth2{P}/revoke` (RFC 7009) for the tokens
 * an instance issued and persisted, and `POST /oauth2{P}/token` (RFC 8693 token exchange). All
 * require an authenticated client of that instance; introspect and revoke see only that
 * instance's tokens, and a client revokes only tokens issued to it. An inactive token is
 * `{"active": false}` and nothing more.
 */
import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, isStsError, NotFoundError } from '../errors/sts-errors';
import { AUDIT_LOG, type AuditLog } from '../logging/audit-log';
import { InstanceRateLimits } from '../ratelimit/instance-rate-limits';
import { tokenHash } from '../tokens/token-hash';
import type { LoadedInstance } from '../realms/loaded-instance';
import { instanceFromWildcard } from '../realms/instance-route';
import { RealmRegistry } from '../realms/realm-registry.service';
import { IssuedTokens } from '../tokens/issued-tokens';
import { requestContextOf } from '../transform/request-context';
import { TokenDispatcher } from '../transform/token-dispatcher';
import type { AuthenticatedClient } from '../plugin-api/token-contract';
import { formClientParameters, presentedClient } from './client-credentials';
import { InstanceClients } from './instance-client';
import { FormBody, formOf } from './form-body';
import { introspectionAnswer } from './introspection-answer';
import { issuedFormsOf } from './token-exchange-types';
import { exchangeToken } from './token-exchange';
import { toTokenExchangeError } from './token-exchange-error';

const ENDPOINTS = ['introspect', 'revoke', 'token'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

@ApiTags('OAuth 2.0')
@Controller('oauth2')
export class OAuthController {
  constructor(
    private readonly realms: RealmRegistry,
    private readonly issuedTokens: IssuedTokens,
    private readonly dispatcher: TokenDispatcher,
    @Inject(AUDIT_LOG) private readonly audit: AuditLog,
    private readonly instanceLimits: InstanceRateLimits,
    private readonly clients: InstanceClients,
  ) {}

  @Post('*')
  @HttpCode(200)
  async post(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<object | undefined> {
    const { endpoint, target } = await this.route(request);
    if (endpoint === 'token') return this.token(target, request, reply, body);
    const form = formOf(body);
    const { id: clientId } = await this.authenticate(target, request, reply, form);
    requirePersistence(target);
    const token = form.required('token');
    form.single('token_type_hint'); // RFC 7009/7662: a hint only; one store holds every type.
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const audited = { instance: target.instance.path, client_id: clientId, token_hash: tokenHash(token), request_id: String(request.id), remote_address: request.ip };
    if (endpoint === 'revoke') {
      let revoked = false;
      try {
        // RFC 7009 section 2.1: only the client the token was issued to may revoke it.
        for (const form of issuedFormsOf(token)) revoked = (await this.issuedTokens.forget(target, form, { clientId })) || revoked;
      } catch (error) {
        this.audit.record({ action: 'revoke', outcome: 'failure', ...audited, ...(isStsError(error) && { error: error.code }) });
        throw error;
      }
      this.audit.record({ action: 'revoke', outcome: revoked ? 'success' : 'failure', ...audited });
      return undefined; // RFC 7009 section 2.2: 200 whether or not the token was known.
    }
    for (const form of issuedFormsOf(token)) {
      const record = await this.issuedTokens.lookup(target, form);
      if (record) {
        this.audit.record({ action: 'introspect', outcome: 'success', principal: record.principal, output_type: record.tokenType, ...audited });
        return introspectionAnswer(record);
      }
    }
    this.audit.record({ action: 'introspect', outcome: 'failure', ...audited });
    return { active: false };
  }

  /** Every failure here is answered in the RFC 6749 section 5.2 shape. */
  private async token(target: LoadedInstance, request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<object> {
    try {
      const form = formOf(body);
      const client = await this.authenticate(target, request, reply, form);
      const answer = await exchangeToken(this.dispatcher, {
        target,
        client,
        form,
        request: requestContextOf(request),
      });
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return answer;
    } catch (error) {
      throw toTokenExchangeError(error);
    }
  }

  private async route(request: FastifyRequest): Promise<{ endpoint: Endpoint; target: LoadedInstance }> {
    const wildcard = (request.params as Record<string, string | undefined>)['*'] ?? '';
    const endpoint = ENDPOINTS.find((name) => wildcard.replace(/\/$/, '').endsWith(`/${name}`));
    if (!endpoint) throw new NotFoundError('No such endpoint.');
    const target = instanceFromWildcard(this.realms, request, `/${endpoint}`);
    // Here, not in token(): a 429 keeps its SPEC body and Retry-After on every endpoint.
    await this.instanceLimits.admit(target);
    return { endpoint, target };
  }

  private authenticate(target: LoadedInstance, request: FastifyRequest, reply: FastifyReply, form: FormBody): Promise<AuthenticatedClient> {
    return this.clients.authenticate(target, request, reply, () => presentedClient(request.headers.authorization, formClientParameters(form)));
  }
}

function requirePersistence(target: LoadedInstance): void {
  if (!target.instance.settings.persist_issued_tokens) {
    throw new ConflictError(`Instance ${target.instance.path} does not persist issued tokens, so it cannot introspect or revoke them.`, {
      code: 'token_persistence_disabled',
    });
  }
}
