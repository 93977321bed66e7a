/**
 * `POST /console/api/playground`: runs a translate through the normal request pipeline (rate
 * limits, logging, metrics, audit, exactly as if the operator's browser had called
 * `/rest-sts/...`), then decodes the issued token and checks it against the instance's published
 * keys. Answers the curl command that reproduces the call, with credentials masked.
 */
import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequestError, NotFoundError } from '../errors/sts-errors';
import { RealmRegistry } from '../realms/realm-registry.service';
import { ConsoleSessionGuard } from './console-session.guard';
import { inspectIssuedToken, type Inspection } from './issued-token-inspection';
import { curlCommand } from './masked-curl';

export interface PlaygroundAnswer {
  readonly status: number;
  readonly curl: string;
  /** The STS's error body when the translate failed. */
  readonly error?: unknown;
  readonly token?: Inspection;
}

@ApiExcludeController()
@Controller('console/api/playground')
@UseGuards(ConsoleSessionGuard)
export class PlaygroundController {
  constructor(
    private readonly realms: RealmRegistry,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post()
  @HttpCode(200)
  async run(@Req() request: FastifyRequest, @Body() body: unknown): Promise<PlaygroundAnswer> {
    const { instance, input_token_state, output_token_state } = playgroundRequestOf(body);
    const loaded = this.realms.instance(instance);
    if (!loaded) throw new NotFoundError(`No STS instance ${instance}.`, { code: 'instance_not_found' });
    const path = `/rest-sts${instance}?_action=translate`;
    const translateBody = { input_token_state, output_token_state };
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const response = await fastify.inject({ method: 'POST', url: path, payload: translateBody, remoteAddress: request.ip, headers: { 'content-type': 'application/json' } });
    const curl = curlCommand(this.realms.publicBaseUrl + path, translateBody);
    const answer = response.json() as { issued_token?: unknown };
    if (response.statusCode !== 200 || typeof answer.issued_token !== 'string') return { status: response.statusCode, curl, error: answer };
    const saml2 = loaded.instance.settings.saml2;
    const keys = {
      jwks: this.realms.realmSet!.publication.jwksOf([loaded]),
      ...(saml2 && { samlIssuer: saml2.issuer, samlSigningKey: saml2.signing_key === undefined ? undefined : loaded.realm.keys.get(saml2.signing_key) }),
    };
    return { status: 200, curl, token: await inspectIssuedToken(answer.issued_token, keys) };
  }
}

interface PlaygroundRequest {
  readonly instance: string;
  readonly input_token_state: Record<string, unknown>;
  readonly output_token_state: Record<string, unknown>;
}

function playgroundRequestOf(body: unknown): PlaygroundRequest {
  const { instance, input_token_state, output_token_state } = (body ?? {}) as Record<string, unknown>;
  if (typeof instance !== 'string' || !instance.startsWith('/')) throw new InvalidRequestError('instance must be an instance path such as /default.', { code: 'playground_instance_missing' });
  for (const [name, state] of Object.entries({ input_token_state, output_token_state })) {
    if (typeof state !== 'object' || state === null || Array.isArray(state) || typeof (state as Record<string, unknown>).token_type !== 'string') {
      throw new InvalidRequestError(`${name} must be an object with a token_type.`, { code: 'playground_state_missing' });
    }
  }
  return { instance, input_token_state: input_token_state as Record<string, unknown>, output_token_state: output_token_state as Record<string, unknown> };
}
