/**
 * The metadata of each configured issuer, at the paths its issuer URL gives (realms/issuers.ts):
 * - `GET /.well-known/oauth-authorization-server{issuer path}` (RFC 8414 section 3.1);
 * - `GET {issuer path}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0), for an
 *   issuer of ID tokens. Fastify routes by prefix, so app.factory.ts rewrites that URL to
 *   `/.well-known/openid-configuration{issuer path}` before routing; the handler reads the URL
 *   the client sent, so only the form Discovery defines is answered.
 * Nothing in a document comes from the request: not the Host, not X-Forwarded-*.
 */
import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors/sts-errors';
import { authorizationServerMetadataRoute, openidConfigurationRoute, type Issuer } from '../realms/issuers';
import { servedRealmSet } from '../realms/instance-route';
import { RealmRegistry } from '../realms/realm-registry.service';
import type { RealmSet } from '../realms/realm-set';
import { issuerMetadata } from './authorization-server-metadata';

export const OPENID_CONFIGURATION = '/.well-known/openid-configuration';
const METADATA_CACHE = 'public, max-age=300';

/**
 * `/tenants/a/.well-known/openid-configuration` -> `/.well-known/openid-configuration/tenants/a`,
 * so one route serves every issuer path; any other URL is returned as it came.
 */
export function rewriteDiscoveryUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (!path.endsWith(OPENID_CONFIGURATION) || path === OPENID_CONFIGURATION) return url;
  return `${OPENID_CONFIGURATION}${path.slice(0, -OPENID_CONFIGURATION.length)}${query < 0 ? '' : url.slice(query)}`;
}

@ApiTags('OAuth 2.0')
@Controller('.well-known')
export class AuthorizationServerMetadataController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get(['oauth-authorization-server', 'oauth-authorization-server/*'])
  @Header('Cache-Control', METADATA_CACHE)
  @ApiOperation({ summary: 'RFC 8414 authorization server metadata of the issuer at this path (/.well-known/oauth-authorization-server{issuer path})' })
  authorizationServerMetadata(@Req() request: FastifyRequest): object {
    const wildcard = ((request.params as Record<string, string | undefined>)['*'] ?? '').replace(/\/+$/, '');
    const path = `/${wildcard}`;
    const set = servedRealmSet(this.realms);
    const issuer = set.issuers.at(path);
    if (!issuer) throw new NotFoundError(`No issuer has its metadata at ${authorizationServerMetadataRoute(path)}.${whereInstead(set, path)}`);
    return issuerMetadata(issuer, this.realms.publicBaseUrl);
  }

  @Get(['openid-configuration', 'openid-configuration/*'])
  @Header('Cache-Control', METADATA_CACHE)
  @ApiOperation({ summary: 'OpenID Connect Discovery 1.0 document of the issuer at this path ({issuer path}/.well-known/openid-configuration)' })
  openidConfiguration(@Req() request: FastifyRequest): object {
    // The URL as the client sent it (before rewriteDiscoveryUrl): {issuer path}/.well-known/openid-configuration.
    const sent = request.originalUrl.split('?')[0];
    if (!sent.endsWith(OPENID_CONFIGURATION)) throw new NotFoundError('No such endpoint.');
    const path = sent.slice(0, -OPENID_CONFIGURATION.length) || '/';
    const issuer = servedRealmSet(this.realms).issuers.at(path);
    if (!issuer) throw new NotFoundError(`No issuer has its discovery document at ${openidConfigurationRoute(path)}.`);
    if (issuer.idTokenAlgorithms.length === 0) {
      throw new NotFoundError(
        `Issuer ${issuer.issuer} issues no ID tokens, so it has no OpenID Connect discovery document; its metadata is at ${authorizationServerMetadataRoute(issuer.path)}.`,
      );
    }
    return issuerMetadata(issuer, this.realms.publicBaseUrl);
  }
}

/**
 * Where an instance's metadata is now, for a client of the former per-instance URL
 * `/.well-known/oauth-authorization-server/oauth2{P}`.
 */
function whereInstead(set: RealmSet, path: string): string {
  const loaded = path.startsWith('/oauth2/') ? set.instance(path.slice('/oauth2'.length)) : undefined;
  if (!loaded) return '';
  const issuer: Issuer | undefined = set.issuers.of(loaded);
  if (!issuer) return ` Instance ${loaded.instance.path} has no issuer with metadata (it issues no ID tokens or access tokens with an issuer URL).`;
  return ` Instance ${loaded.instance.path} issues tokens as ${issuer.issuer}, whose metadata is at ${authorizationServerMetadataRoute(issuer.path)}.`;
}
