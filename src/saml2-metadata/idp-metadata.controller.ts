/**
 * `GET /saml2{P}/metadata`: the SAML 2.0 identity provider metadata of the instance at P
 * (idp-metadata.ts), for service providers to configure themselves from. Like the JWKS routes it
 * is public, cacheable and not rate limited.
 */
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../docs/api-decorators';
import { NotFoundError } from '../errors/sts-errors';
import { instanceFromWildcard } from '../realms/instance-route';
import { RealmRegistry } from '../realms/realm-registry.service';
import { idpMetadataOf, publishesIdpMetadata, SAML_METADATA_CONTENT_TYPE } from './idp-metadata';

/** As the JWKS: a rollover's next certificate is published days ahead, so minutes of caching are safe. */
const METADATA_CACHE = 'public, max-age=300';

@ApiTags('SAML 2.0')
@Controller('saml2')
export class IdpMetadataController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('*')
  @ApiOperation({ summary: "The instance's SAML 2.0 identity provider metadata (md:EntityDescriptor): its signing and encryption certificates, NameID formats and SingleSignOnService" })
  @ApiProduces(SAML_METADATA_CONTENT_TYPE)
  @ApiErrors(404)
  async metadata(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const loaded = instanceFromWildcard(this.realms, request, '/metadata');
    if (!publishesIdpMetadata(loaded)) {
      throw new NotFoundError(`Instance ${loaded.instance.path} issues no SAML2 tokens, so it has no identity provider metadata.`, {
        code: 'saml2_metadata_not_found',
      });
    }
    const document = await idpMetadataOf(loaded, this.realms.publicBaseUrl);
    // Only on success: the exception filter marks errors no-store.
    void reply.header('content-type', `${SAML_METADATA_CONTENT_TYPE}; charset=utf-8`).header('cache-control', METADATA_CACHE);
    return document;
  }
}
