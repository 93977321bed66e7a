/**
 * PingFederate-style publication under `/ext`:
 * - `GET /ext/<jwks_endpoint_path>`: the JWKS of the instance that configures the path (the keys
 *   of its ID tokens and access tokens, as /oauth2{P}/jwks), cacheable for its
 *   `jwks_endpoint_cache_minutes`;
 * - `GET /ext/oauth/x509/kid?v=<kid>` and `GET /ext/oauth/x509/x5t?v=<base64url SHA-1>`: the PEM
 *   certificate of a key in the JWKS of an instance that enables it.
 * Anything not published is a 404 `not_found`, whatever the reason.
 */
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { X509Certificate } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors/sts-errors';
import { RealmRegistry } from '../../realms/realm-registry.service';
import { PublicationIndex, publicationIndexOf } from './publication-index';

/** Certificates of a kid may change on a reload (renewal); clients re-fetch after this. */
const CERTIFICATE_CACHE_SECONDS = 300;

@ApiTags('keys')
@Controller('ext')
export class ExtPublicationController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('oauth/x509/kid')
  @ApiOperation({ summary: 'The PEM certificate of a signing key by kid (`?v=<kid>`), where publish_x509_by_kid is on' })
  certificateByKid(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    const v = singleValue(request);
    return sendCertificate(reply, this.index().certificateByKid(v), 'No certificate is published for this key ID.');
  }

  @Get('oauth/x509/x5t')
  @ApiOperation({ summary: 'The PEM certificate of a signing key by base64url SHA-1 thumbprint (`?v=`), where publish_x509_by_x5t is on' })
  certificateByX5t(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    const v = singleValue(request);
    return sendCertificate(reply, this.index().certificateByX5t(v), 'No certificate is published for this thumbprint.');
  }

  @Get('*')
  @ApiOperation({ summary: 'The JWKS at an instance\'s jwks_endpoint_path (PingFederate style)' })
  jwks(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): object {
    const wildcard = (request.params as Record<string, string | undefined>)['*'] ?? '';
    const found = wildcard === '' ? undefined : this.index().jwks(`/${wildcard}`);
    if (!found) throw new NotFoundError('No such endpoint.');
    // Only on success: the exception filter marks errors no-store.
    void reply.header('cache-control', `public, max-age=${found.cacheSeconds}`);
    return this.realms.realmSet!.publication.jwksOf([found.instance]);
  }

  private index(): PublicationIndex {
    const set = this.realms.realmSet;
    if (!set) throw new NotFoundError('No such endpoint.');
    return publicationIndexOf(set);
  }
}

/** The one non-empty `v` query parameter; missing, empty or repeated is not found. */
function singleValue(request: FastifyRequest): string {
  const v = (request.query as Record<string, unknown> | undefined)?.v;
  if (typeof v !== 'string' || v === '') throw new NotFoundError('Give the certificate to find as one non-empty v parameter.');
  return v;
}

function sendCertificate(reply: FastifyReply, certificate: X509Certificate | undefined, notFound: string): string {
  if (!certificate) throw new NotFoundError(notFound);
  void reply.header('content-type', 'application/x-pem-file').header('cache-control', `public, max-age=${CERTIFICATE_CACHE_SECONDS}`);
  return certificate.toString();
}
