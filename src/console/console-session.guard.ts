/**
 * Every console API route but sign-in needs a live session (the cookie), and every change (any
 * method but GET and HEAD) also the session's CSRF token in `X-CSRF-Token`: a SameSite=Strict
 * cookie already keeps other sites out, the token also covers same-site pages and old browsers.
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { sessionIdOf } from './console-cookie';
import { csrfTokenInvalid, sessionRequired } from './console-errors';
import { ConsoleSessions, csrfTokenMatches, type ConsoleSession } from './console-sessions';

/** The session the guard found, for handlers. */
export const sessionOf = (request: FastifyRequest): ConsoleSession => (request as FastifyRequest & { consoleSession: ConsoleSession }).consoleSession;

@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(private readonly sessions: ConsoleSessions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const session = this.sessions.use(sessionIdOf(request));
    if (!session) throw sessionRequired();
    if (request.method !== 'GET' && request.method !== 'HEAD' && !csrfTokenMatches(session, request.headers['x-csrf-token'])) throw csrfTokenInvalid();
    (request as FastifyRequest & { consoleSession: ConsoleSession }).consoleSession = session;
    return true;
  }
}
