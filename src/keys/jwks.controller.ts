/**
 * Public signing keys (RFC 7517), published for a purpose (key-publication.ts):
 * - `GET /oauth2{P}/jwks`: the keys the instance's ID tokens and access tokens are signed with;
 * - `GET /jwks{issuer path}`: the `jwks_uri` of an issuer, the keys of every instance sharing it.
 */
import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors/sts-errors';
import { postOnlyRefusal } from '../http/post-only-routes';
import { instanceFromWildcard, servedRealmSet } from '../realms/instance-route';
import { RealmRegistry } from '../realms/realm-registry.service';

const JWKS_CACHE = 'public, max-age=300';

@ApiTags('keys')
@Controller('oauth2')
export class JwksController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('*')
  @ApiOperation({ summary: "The public keys of the instance's ID tokens and access tokens (RFC 7517), pending and recently retired ones included" })
  @Header('Cache-Control', JWKS_CACHE)
  jwks(@Req() request: FastifyRequest): object {
    // GET on a POST-only endpoint (/oauth2{P}/token) lands here, the one GET route under /oauth2.
    const refused = postOnlyRefusal(request.method, request.url);
    if (refused) throw refused;
    const loaded = instanceFromWildcard(this.realms, request, '/jwks');
    return servedRealmSet(this.realms).publication.jwksOf([loaded]);
  }
}

@ApiTags('keys')
@Controller('jwks')
export class IssuerJwksController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get(['', '*'])
  @ApiOperation({ summary: "An issuer's jwks_uri: the public keys of every instance that issues tokens as that issuer" })
  @Header('Cache-Control', JWKS_CACHE)
  jwks(@Req() request: FastifyRequest): object {
    const wildcard = ((request.params as Record<string, string | undefined>)['*'] ?? '').replace(/\/+$/, '');
    const set = servedRealmSet(this.realms);
    const issuer = set.issuers.at(`/${wildcard}`);
    if (!issuer) throw new NotFoundError(`No issuer has its JWKS at /jwks${wildcard ? `/${wildcard}` : ''}.`);
    return set.publication.jwksOf(issuer.instances);
  }
}
