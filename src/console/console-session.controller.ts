/**
 * Sign-in, the current session, sign-out:
 * - `POST /console/api/session {"admin_token"}`: the admin token for a session cookie and its CSRF token;
 * - `GET /console/api/session`: the CSRF token again (after a page reload);
 * - `DELETE /console/api/session`: sign-out.
 * Failed sign-ins are logged and audited like the admin API's, and limited per address.
 */
import { Body, Controller, Delete, Get, HttpCode, Inject, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchesSecretDigest, secretDigest } from '../common/secret-digest';
import { InvalidRequestError, TooManyRequestsError } from '../errors/sts-errors';
import { AUDIT_LOG, type AuditLog } from '../logging/audit-log';
import { SERVER_SETTINGS, type ServerSettings } from '../server-settings';
import { clearedSessionCookie, sessionCookie } from './console-cookie';
import { wrongAdminToken } from './console-errors';
import { ConsoleSessionGuard, sessionOf } from './console-session.guard';
import { ConsoleSessions } from './console-sessions';
import { FailedSignIns } from './failed-sign-ins';

@ApiExcludeController()
@Controller('console/api/session')
export class ConsoleSessionController {
  private readonly logger = new Logger('Console');
  private readonly expected: Buffer;

  constructor(
    @Inject(SERVER_SETTINGS) settings: ServerSettings,
    @Inject(AUDIT_LOG) private readonly audit: AuditLog,
    private readonly sessions: ConsoleSessions,
    private readonly failedSignIns: FailedSignIns,
  ) {
    // The module exists only with an admin token.
    this.expected = secretDigest(settings.adminToken ?? '');
  }

  @Post()
  @HttpCode(200)
  signIn(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): { csrf_token: string } {
    const blocked = this.failedSignIns.blockedFor(request.ip);
    if (blocked !== undefined) throw new TooManyRequestsError('too_many_sign_ins', 'Too many failed sign-ins from this address; try again after the time in Retry-After.', blocked);
    const token = (body as { admin_token?: unknown } | undefined)?.admin_token;
    if (typeof token !== 'string' || token === '') throw new InvalidRequestError('Send {"admin_token": "<the server\'s admin token>"}.', { code: 'admin_token_missing' });

    if (!matchesSecretDigest(token, this.expected)) {
      this.failedSignIns.record(request.ip);
      // Who tried, never with what.
      this.logger.warn(`Console sign-in refused from ${request.ip}: wrong token`);
      this.audit.record({ action: 'authenticate', outcome: 'failure', credential: 'admin', error: 'admin_unauthorized', request_id: String(request.id), remote_address: request.ip });
      throw wrongAdminToken();
    }
    this.failedSignIns.clear(request.ip);
    this.audit.record({ action: 'authenticate', outcome: 'success', credential: 'admin', request_id: String(request.id), remote_address: request.ip });
    const session = this.sessions.create();
    void reply.header('set-cookie', sessionCookie(request, session.id));
    return { csrf_token: session.csrfToken };
  }

  @Get()
  @UseGuards(ConsoleSessionGuard)
  current(@Req() request: FastifyRequest): { csrf_token: string } {
    return { csrf_token: sessionOf(request).csrfToken };
  }

  @Delete()
  @HttpCode(204)
  @UseGuards(ConsoleSessionGuard)
  signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    this.sessions.end(sessionOf(request).id);
    void reply.header('set-cookie', clearedSessionCookie(request));
  }
}
