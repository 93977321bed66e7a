/** `GET /.well-known/oauth-authorization-server/oauth2{P}` (RFC 8414 section 3). */
import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors/sts-errors';
import { instanceNotFound } from '../realms/instance-route';
import { RealmRegistry } from '../realms/realm-registry.service';
import { authorizationServerMetadata } from './authorization-server-metadata';

@ApiTags('OAuth 2.0')
@Controller('.well-known/oauth-authorization-server')
export class AuthorizationServerMetadataController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('*')
  @ApiOperation({ summary: 'RFC 8414 authorization server metadata of an instance' })
  metadata(@Req() request: FastifyRequest): object {
    const wildcard = ((request.params as Record<string, string | undefined>)['*'] ?? '').replace(/\/$/, '');
    const target = wildcard.startsWith('oauth2/') ? this.realms.instance(wildcard.slice('oauth2'.length)) : undefined;
    if (!target && wildcard.startsWith('oauth2/')) throw instanceNotFound(wildcard.slice('oauth2'.length));
    if (!target) {
      throw new NotFoundError('No STS instance here: metadata is at /.well-known/oauth-authorization-server/oauth2<instance path>.', {
        code: 'instance_not_found',
      });
    }
    // The issuer is derived from how the client reached us (Fastify honours X-Forwarded-* only with trustProxy).
    return authorizationServerMetadata(target, `${request.protocol}://${request.host}`);
  }
}
