/** `GET /oauth2{P}/jwks`: the public signing keys of the instance's realm (RFC 7517). */
import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { postOnlyRefusal } from '../http/post-only-routes';
import { instanceFromWildcard } from '../realms/instance-route';
import { RealmRegistry } from '../realms/realm-registry.service';

@ApiTags('keys')
@Controller('oauth2')
export class JwksController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('*')
  @ApiOperation({ summary: "The public signing keys of the instance's realm (RFC 7517), previous rotated versions included" })
  @Header('Cache-Control', 'public, max-age=300')
  jwks(@Req() request: FastifyRequest): object {
    // GET on a POST-only endpoint (/oauth2{P}/token) lands here, the one GET route under /oauth2.
    const refused = postOnlyRefusal(request.method, request.url);
    if (refused) throw refused;
    return instanceFromWildcard(this.realms, request, '/jwks').realm.keys.jwksAt();
  }
}
