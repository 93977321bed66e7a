/**
 * `/sts-publish/rest` (SPEC 4.4): create (`POST ?_action=create`), list (`GET`), and
 * read/update/delete (`GET|PUT|DELETE /sts-publish/rest{P}`) of STS instances.
 */
import { Body, Controller, Delete, Get, Header, HttpCode, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../../docs/api-decorators';
import { PUBLISH_CREATE_EXAMPLE } from '../../docs/api-examples';
import { InvalidRequestError } from '../../errors/sts-errors';
import { AdminAuthGuard } from './admin-auth.guard';
import { addressFromWildcard, InstanceAddress, instanceStateOf, PublishedState } from './instance-state';
import { InstancePublisher } from './instance-publisher.service';

const BASE_PATH = '/sts-publish/rest';

/** PingAM's answer to a publish call. */
interface PublishResult {
  _id: string;
  url_element: string;
  result: 'success';
}

@ApiTags('administration')
@ApiBearerAuth('admin')
@ApiErrors(401, 404)
@Controller(BASE_PATH.slice(1))
@UseGuards(AdminAuthGuard)
export class PublishController {
  constructor(private readonly publisher: InstancePublisher) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Every published instance, keyed by instance path' })
  list(): Record<string, PublishedState> {
    return this.publisher.list();
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish a new instance into its realm file (`_action=create`)' })
  @ApiQuery({ name: '_action', required: true, enum: ['create'] })
  @ApiBody({ schema: { type: 'object' }, examples: { create: { value: PUBLISH_CREATE_EXAMPLE } } })
  @ApiErrors(400, 409)
  @Header('cache-control', 'no-store')
  async create(@Query('_action') action: unknown, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublishResult> {
    if (action !== 'create') {
      throw new InvalidRequestError(action === undefined ? 'The _action query parameter is required (create).' : 'Unknown _action; use create.', {
        code: 'unknown_action',
      });
    }
    const path = await this.publisher.create(instanceStateOf(body));
    void reply.header('location', BASE_PATH + path);
    return published(path);
  }

  @Get('*')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'One published instance' })
  read(@Req() request: FastifyRequest): PublishedState | Record<string, PublishedState> {
    // `/sts-publish/rest/` is the collection, like `/sts-publish/rest`.
    return wildcardOf(request) === '' ? this.publisher.list() : this.publisher.read(addressOf(request));
  }

  @Put('*')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Replace an instance (body `{"instance_state": {...}}`)' })
  @ApiErrors(400)
  async update(@Req() request: FastifyRequest, @Body() body: unknown): Promise<PublishResult> {
    return published(await this.publisher.update(instanceStateOf(body, addressOf(request))));
  }

  @Delete('*')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Remove an instance from its realm file' })
  async remove(@Req() request: FastifyRequest): Promise<PublishResult> {
    return published(await this.publisher.remove(addressOf(request)));
  }
}

function published(path: string): PublishResult {
  return { _id: path, url_element: path, result: 'success' };
}

function wildcardOf(request: FastifyRequest): string {
  return (request.params as Record<string, string | undefined>)['*'] ?? '';
}

function addressOf(request: FastifyRequest): InstanceAddress {
  return addressFromWildcard(wildcardOf(request));
}
