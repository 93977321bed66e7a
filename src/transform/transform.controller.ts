/**
 * `POST /rest-sts{P}?_action=translate|validate|cancel` in PingAM's REST STS wire format.
 * Thin: finds the instance, checks the body's shape, hands over to the dispatcher.
 */
import { Body, Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ConflictError, InvalidRequestError, StsError } from '../errors/sts-errors';
import type { LoadedInstance } from '../realms/loaded-instance';
import { RealmRegistry } from '../realms/realm-registry.service';
import { instanceFromWildcard } from '../realms/instance-route';
import { clientCertificateChain } from './client-certificates';
import { CancelBody, parseBody, TranslateBody, ValidateBody } from './request-bodies';
import { TokenDispatcher } from './token-dispatcher';

const ACTIONS = ['translate', 'validate', 'cancel'] as const;

@Controller('rest-sts')
export class TransformController {
  constructor(
    private readonly realms: RealmRegistry,
    private readonly dispatcher: TokenDispatcher,
  ) {}

  @Post('*')
  @HttpCode(200)
  async act(@Req() request: FastifyRequest, @Query('_action') action: unknown, @Body() body: unknown): Promise<object> {
    const target = instanceFromWildcard(this.realms, request);
    switch (checkedAction(action)) {
      case 'translate': {
        const { input_token_state, output_token_state } = parseBody(TranslateBody, body);
        const issued_token = await this.dispatcher.translate({
          target,
          inputTokenState: input_token_state,
          outputTokenState: output_token_state,
          request: { remoteAddress: request.ip, headers: request.headers, clientCertificateChain: clientCertificateChain(request) },
        });
        return { issued_token };
      }
      case 'validate':
        parseBody(ValidateBody, body);
        return refuseWithoutTokenStore(target);
      case 'cancel':
        parseBody(CancelBody, body);
        return refuseWithoutTokenStore(target);
    }
  }
}

function checkedAction(action: unknown): (typeof ACTIONS)[number] {
  if (typeof action === 'string' && (ACTIONS as readonly string[]).includes(action)) return action as (typeof ACTIONS)[number];
  throw new InvalidRequestError(
    action === undefined ? 'The _action query parameter is required (translate, validate or cancel).' : 'Unknown _action; use translate, validate or cancel.',
    { code: 'unknown_action' },
  );
}

/** validate/cancel need persisted tokens: 409 where the instance does not keep them. */
function refuseWithoutTokenStore(target: LoadedInstance): never {
  if (!target.instance.settings.persist_issued_tokens) {
    throw new ConflictError(`Instance ${target.instance.path} does not persist issued tokens, so it cannot validate or cancel them.`, {
      code: 'token_persistence_disabled',
    });
  }
  throw new StsError(501, 'not_implemented', 'This server does not keep issued tokens yet; validate and cancel are not available.');
}
