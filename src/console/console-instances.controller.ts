/**
 * Creating, changing and removing instances from the console, through the admin API's publisher
 * (the same checks, the same queue, the same realm-file edits):
 * - `POST /console/api/instances` `{realm, name, ...instance keys}`;
 * - `PUT /console/api/instances/{P}` with `If-Match` (the revision the form was loaded with);
 * - `DELETE /console/api/instances/{P}` with `If-Match`.
 * The console always sends If-Match, so an edit made meanwhile (here, over the API or in the
 * file) is reported (412) rather than overwritten. A refused configuration answers 400 with each
 * problem at the instance key it concerns, for the form.
 */
import { Body, Controller, Delete, HttpCode, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorBody } from '../errors/error-response';
import { StsError } from '../errors/sts-errors';
import { InstancePublisher } from '../realms/publish/instance-publisher.service';
import { etagOf } from '../realms/publish/instance-revision';
import { addressFromWildcard, instanceStateOf, pathOf, type InstanceAddress } from '../realms/publish/instance-state';
import { InvalidInstanceStateError } from '../realms/publish/invalid-instance-state';
import { RealmRegistry } from '../realms/realm-registry.service';
import { ConsoleSessionGuard } from './console-session.guard';
import { fieldErrorsOf, type FieldError } from './field-errors';

interface Changed {
  readonly path: string;
  readonly revision?: string;
}

@ApiExcludeController()
@Controller('console/api/instances')
@UseGuards(ConsoleSessionGuard)
export class ConsoleInstancesController {
  constructor(
    private readonly publisher: InstancePublisher,
    private readonly realms: RealmRegistry,
  ) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<Changed | object> {
    const state = instanceStateOf({ instance_state: body });
    return this.answer(reply, state, () => this.publisher.create(state));
  }

  @Put('*')
  update(@Req() request: FastifyRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<Changed | object> {
    const address = addressOf(request);
    const state = instanceStateOf({ instance_state: body }, address);
    const ifMatch = requiredIfMatch(request);
    return this.answer(reply, state, () => this.publisher.update(state, ifMatch));
  }

  @Delete('*')
  remove(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Changed | object> {
    const address = addressOf(request);
    const ifMatch = requiredIfMatch(request);
    return this.answer(reply, address, () => this.publisher.remove(address, ifMatch));
  }

  /** The change, or its refusal by the loader as field errors. */
  private async answer(reply: FastifyReply, address: InstanceAddress, change: () => Promise<Changed>): Promise<Changed | (ReturnType<typeof toErrorBody> & { fields: FieldError[] })> {
    const realmFile = this.realms.realmSet?.realms.find((realm) => realm.path === address.realm)?.file;
    try {
      const { path, revision } = await change();
      if (revision) void reply.header('etag', etagOf(revision));
      return { path, ...(revision && { revision }) };
    } catch (error) {
      if (!(error instanceof InvalidInstanceStateError)) throw error;
      void reply.code(400);
      return { ...toErrorBody(error), fields: fieldErrorsOf(error.problems, address.name, realmFile) };
    }
  }
}

function addressOf(request: FastifyRequest): InstanceAddress {
  return addressFromWildcard((request.params as Record<string, string | undefined>)['*'] ?? '');
}

/** The console never changes an instance blind: 428 without If-Match. */
function requiredIfMatch(request: FastifyRequest): string {
  const value = request.headers['if-match'];
  const ifMatch = Array.isArray(value) ? value.join(', ') : value;
  if (!ifMatch || ifMatch.trim() === '*') {
    throw new StsError(428, 'revision_required', `Send If-Match with the revision of ${pathOf(addressOf(request))} you loaded, so a change made meanwhile is not overwritten.`);
  }
  return ifMatch;
}
