/**
 * `/sts-publish/rest` (SPEC 4.4): create (`POST ?_action=create`), list (`GET`), and
 * read/update/delete (`GET|PUT|DELETE /sts-publish/rest{P}`) of STS instances, in our format or in
 * PingAM's (pingam-envelope.ts says which a request speaks). Writes take `If-Match` with `_rev`.
 */
import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Logger, Optional, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../../docs/api-decorators';
import { PUBLISH_CREATE_EXAMPLE } from '../../docs/api-examples';
import { InvalidRequestError } from '../../errors/sts-errors';
import { SERVER_CONFIG, type ServerConfig } from '../../server-config/server-config';
import { AdminAuthGuard } from './admin-auth.guard';
import { etagOf } from './instance-revision';
import { addressFromWildcard, InstanceAddress, InstanceState, instanceStateOf, pathOf, PublishedState } from './instance-state';
import { InstancePublisher, type Published } from './instance-publisher.service';
import { isPingAmEnvelope, pingAmIdOf, pingAmInstanceStateOf, pingAmListAnswer, pingAmReadAnswer, wantsPingAmAnswer } from './pingam-envelope';

const BASE_PATH = '/sts-publish/rest';

/** The answer to a publish call: `_id` is the instance path (without its leading slash in PingAM's format). */
interface PublishResult {
  _id: string;
  _rev?: string;
  url_element?: string;
  result: string;
}

@ApiTags('administration')
@ApiBearerAuth('admin')
@ApiErrors(401, 404)
@Controller(BASE_PATH.slice(1))
@UseGuards(AdminAuthGuard)
export class PublishController {
  private readonly logger = new Logger('Publish');

  constructor(
    private readonly publisher: InstancePublisher,
    @Optional() @Inject(SERVER_CONFIG) private readonly config?: ServerConfig,
  ) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Every published instance, keyed by instance path' })
  list(@Req() request: FastifyRequest): Record<string, unknown> {
    return this.listAnswer(request);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish a new instance into its realm file (`_action=create`)' })
  @ApiQuery({ name: '_action', required: true, enum: ['create'] })
  @ApiBody({ schema: { type: 'object' }, examples: { create: { value: PUBLISH_CREATE_EXAMPLE } } })
  @ApiErrors(400, 409)
  @Header('cache-control', 'no-store')
  async create(@Query('_action') action: unknown, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublishResult> {
    if (action !== 'create') {
      throw new InvalidRequestError(action === undefined ? 'The _action query parameter is required (create).' : 'Unknown _action; use create.', {
        code: 'unknown_action',
      });
    }
    const published = await this.publisher.create(this.stateOf(body));
    void reply.header('location', BASE_PATH + published.path);
    return this.published(request, reply, published);
  }

  @Get('*')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'One published instance' })
  read(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): PublishedState | Record<string, unknown> {
    // `/sts-publish/rest/` is the collection, like `/sts-publish/rest`.
    if (wildcardOf(request) === '') return this.listAnswer(request);
    const address = addressOf(request);
    const state = this.publisher.read(address);
    const revision = this.publisher.revision(address);
    void reply.header('etag', etagOf(revision));
    return wantsPingAmAnswer(request, this.config) ? pingAmReadAnswer(state, revision) : state;
  }

  @Put('*')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Replace an instance (body `{"instance_state": {...}}`, or PingAM\'s envelope); `If-Match` with the ETag / `_rev`' })
  @ApiErrors(400, 412)
  async update(@Req() request: FastifyRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublishResult> {
    return this.published(request, reply, await this.publisher.update(this.stateOf(body, addressOf(request)), ifMatchOf(request)));
  }

  @Delete('*')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Remove an instance from its realm file; `If-Match` with the ETag / `_rev`' })
  @ApiErrors(412)
  async remove(@Req() request: FastifyRequest): Promise<PublishResult> {
    const address = addressOf(request);
    const { path } = await this.publisher.remove(address, ifMatchOf(request));
    if (!wantsPingAmAnswer(request, this.config)) return { _id: path, url_element: path, result: 'success' };
    return { _id: pingAmIdOf(path), result: `rest sts instance ${pingAmIdOf(path)} successfully removed from realm ${address.realm}` };
  }

  private listAnswer(request: FastifyRequest): Record<string, unknown> {
    const listed = this.publisher.list();
    return wantsPingAmAnswer(request, this.config) ? pingAmListAnswer(listed) : listed;
  }

  /** Our body or PingAM's envelope (mapped; keys accepted but not written are logged). */
  private stateOf(body: unknown, expected?: InstanceAddress): InstanceState {
    if (!isPingAmEnvelope(body)) return instanceStateOf(body, expected);
    const state = pingAmInstanceStateOf(body as Record<string, unknown>, expected);
    if (state.notStored.length > 0) this.logger.log(`PingAM keys of ${pathOf(state)} accepted but not written (see the mapping table): ${state.notStored.join(', ')}`);
    return state;
  }

  private published(request: FastifyRequest, reply: FastifyReply, { path, revision = '' }: Published): PublishResult {
    void reply.header('etag', etagOf(revision));
    if (!wantsPingAmAnswer(request, this.config)) return { _id: path, url_element: path, result: 'success' };
    return { _id: pingAmIdOf(path), _rev: revision, result: 'success', url_element: pingAmIdOf(path) };
  }
}

function ifMatchOf(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return Array.isArray(value) ? value.join(', ') : value;
}

function wildcardOf(request: FastifyRequest): string {
  return (request.params as Record<string, string | undefined>)['*'] ?? '';
}

function addressOf(request: FastifyRequest): InstanceAddress {
  return addressFromWildcard(wildcardOf(request));
}
