/** The one exception filter: every error leaves the server through toErrorBody. */
import { ArgumentsHost, Catch, ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { postOnlyRefusal } from '../http/post-only-routes';
import { type ErrorBody, type OAuthErrorBody, toErrorBody, toOAuthErrorBody } from './error-response';
import { isStsError, MethodNotAllowedError, TooManyRequestsError } from './sts-errors';

@Catch()
export class StsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(caught: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // Nest's 404 for a method no route takes: on a POST-only endpoint that is a 405.
    const exception = (caught instanceof NotFoundException && postOnlyRefusal(request.method, request.url)) || caught;
    const { status, body } = toOAuthErrorBody(exception) ?? frameworkErrorAtTokenEndpoint(exception, request) ?? specError(exception);
    this.log(exception, status, body.error, request);
    // An error must never be cached (a 404 for an instance that a reload adds a moment later).
    const reply = http.getResponse<FastifyReply>().status(status).header('cache-control', 'no-store');
    if (exception instanceof TooManyRequestsError) void reply.header('retry-after', String(exception.retryAfterSeconds));
    if (exception instanceof MethodNotAllowedError) void reply.header('allow', exception.allow.join(', '));
    void reply.send(body);
  }

  /**
   * Faults (500, 504) with their stack; a 503 of ours (a plugin not loaded, a store or directory
   * down) is an expected state of a dependency, so one warning line and the cause's message.
   */
  private log(exception: unknown, status: number, code: string, request: FastifyRequest): void {
    if (status < 500) return;
    const what = `${request.method} ${request.url} -> ${status} ${code} (request ${request.id})`;
    const cause = (exception as { cause?: unknown })?.cause;
    if (status === 503 && isStsError(exception)) {
      this.logger.warn(`${what}: ${exception.message}${cause instanceof Error ? ` (${cause.message})` : ''}`);
      return;
    }
    const logged = cause ?? exception;
    this.logger.error(what, logged instanceof Error ? logged.stack : String(logged));
  }
}

function specError(exception: unknown): { status: number; body: ErrorBody } {
  const body = toErrorBody(exception);
  return { status: body.code, body };
}

/**
 * The token endpoint answers in the RFC 6749 shape only; Fastify's own refusals before the handler
 * runs (a body with no or an unparsed content type: 415; over the size limit: 413) came out in the
 * SPEC 4.2 shape there (found by test/property).
 */
function frameworkErrorAtTokenEndpoint(exception: unknown, request: FastifyRequest): { status: number; body: OAuthErrorBody } | undefined {
  const path = request.url.split('?')[0];
  if (isStsError(exception) || !path.startsWith('/oauth2/') || !/\/token\/?$/.test(path)) return undefined;
  const spec = toErrorBody(exception);
  const description = spec.code === 415 ? 'Send the request body as application/x-www-form-urlencoded.' : spec.message;
  return { status: spec.code, body: { error: spec.code >= 500 ? 'server_error' : 'invalid_request', error_description: description } };
}
