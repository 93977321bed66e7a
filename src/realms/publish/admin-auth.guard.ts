/**
 * `Authorization: Bearer $STS_ADMIN_TOKEN` on every admin route, or the bare token in server.yaml's
 * `admin_token_header`, as a header or as a cookie of that name (PingAM clients send their session
 * as `iPlanetDirectoryPro`: scripts as a header, PingAM's publisher sample as a cookie). The token
 * is compared in constant time (SHA-256 of both sides, so not even its length leaks) and never
 * repeated back.
 */
import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { parse as parseCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchesSecretDigest, secretDigest } from '../../common/secret-digest';
import { InvalidTokenError, NotFoundError } from '../../errors/sts-errors';
import { bearerToken } from '../../http/bearer-token';
import { AUDIT_LOG, type AuditLog } from '../../logging/audit-log';
import { SERVER_CONFIG, type ServerConfig } from '../../server-config/server-config';
import { SERVER_SETTINGS, ServerSettings } from '../../server-settings';

const CHALLENGE = 'Bearer realm="sts-publish"';

@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly logger = new Logger('Publish');
  private readonly expected: Buffer | undefined;
  /** Lower-case, as Node names request headers. */
  private readonly tokenHeader: string | undefined;

  constructor(
    @Inject(SERVER_SETTINGS) settings: ServerSettings,
    @Inject(AUDIT_LOG) private readonly audit: AuditLog,
    @Optional() @Inject(SERVER_CONFIG) config?: ServerConfig,
  ) {
    this.expected = settings.adminToken ? secretDigest(settings.adminToken) : undefined;
    this.tokenHeader = config?.adminTokenHeader;
  }

  canActivate(context: ExecutionContext): boolean {
    // The module leaves the routes out without a token; this keeps them shut if it ever did not.
    if (!this.expected) throw new NotFoundError('No such endpoint.');
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const presented = bearerToken(request.headers.authorization) ?? adminTokenHeaderValue(request, this.tokenHeader);
    if (presented !== undefined && matchesSecretDigest(presented, this.expected)) return true;

    // For the security log: who tried, never with what.
    this.logger.warn(`Admin API refused ${request.method} ${request.routeOptions.url ?? ''} from ${request.ip}: ${presented === undefined ? 'no admin token' : 'wrong token'}`);
    this.audit.record({ action: 'authenticate', outcome: 'failure', credential: 'admin', error: 'admin_unauthorized', request_id: String(request.id), remote_address: request.ip });

    // RFC 6750 section 3: a challenge always; error="invalid_token" only when a token was sent.
    const challenge = presented === undefined ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`;
    void http.getResponse<FastifyReply>().header('www-authenticate', challenge);
    const also = this.tokenHeader ? ` (or the token in the ${this.tokenHeader} header or cookie)` : '';
    throw new InvalidTokenError(`The admin API needs Authorization: Bearer with the server's admin token${also}.`, { code: 'admin_unauthorized' });
  }

}

/** True when the request carried the admin token in `admin_token_header` (how PingAM clients authenticate). */
export function usesAdminTokenHeader(request: FastifyRequest, config: ServerConfig | undefined): boolean {
  return adminTokenHeaderValue(request, config?.adminTokenHeader) !== undefined;
}

/** The token in the `admin_token_header` header, else in a cookie of that name (names in any letter case). */
function adminTokenHeaderValue(request: FastifyRequest, lowerCaseName: string | undefined): string | undefined {
  if (!lowerCaseName) return undefined;
  const header = request.headers[lowerCaseName];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const cookies = request.headers.cookie;
  if (typeof cookies !== 'string') return undefined;
  const cookie = Object.entries(parseCookie(cookies)).find(([name]) => name.toLowerCase() === lowerCaseName)?.[1];
  return cookie !== undefined && cookie.trim() !== '' ? cookie.trim() : undefined;
}
