/** The session cookie: HttpOnly, SameSite=Strict, only under /console, Secure when served over HTTPS. */
import { parse as parseCookie, serialize } from 'cookie';
import type { FastifyRequest } from 'fastify';

export const CONSOLE_COOKIE = 'sts_console';
const COOKIE_PATH = '/console';

export function sessionIdOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return typeof header === 'string' ? parseCookie(header)[CONSOLE_COOKIE] : undefined;
}

export function sessionCookie(request: FastifyRequest, id: string): string {
  return serialize(CONSOLE_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', path: COOKIE_PATH });
}

export function clearedSessionCookie(request: FastifyRequest): string {
  return serialize(CONSOLE_COOKIE, '', { httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', path: COOKIE_PATH, maxAge: 0 });
}
