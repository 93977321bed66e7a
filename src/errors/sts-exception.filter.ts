/** The one exception filter: every error leaves the server through toErrorBody. */
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorBody, type OAuthErrorBody, toErrorBody, toOAuthErrorBody } from './error-response';
import { isStsError, TooManyRequestsError } from './sts-errors';

@Catch()
export class StsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { status, body } = toOAuthErrorBody(exception) ?? frameworkErrorAtTokenEndpoint(exception, request) ?? specError(exception);
    if (status >= 500) {
      const cause = (exception as { cause?: unknown })?.cause ?? exception;
      this.logger.error(
        `${request.method} ${request.url} -> ${status} ${body.error} (request ${request.id})`,
        cause instanceof Error ? cause.stack : String(cause),
      );
    }
    // An error must never be cached (a 404 for an instance that a reload adds a moment later).
    const reply = http.getResponse<FastifyReply>().status(status).header('cache-control', 'no-store');
    if (exception instanceof TooManyRequestsError) void reply.header('retry-after', String(exception.retryAfterSeconds));
    void reply.send(body);
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
