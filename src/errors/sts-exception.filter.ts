/** The one exception filter: every error leaves the server through toErrorBody. */
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorBody, toErrorBody, toOAuthErrorBody } from './error-response';

@Catch()
export class StsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { status, body } = toOAuthErrorBody(exception) ?? specError(exception);
    if (status >= 500) {
      const cause = (exception as { cause?: unknown })?.cause ?? exception;
      this.logger.error(
        `${request.method} ${request.url} -> ${status} ${body.error} (request ${request.id})`,
        cause instanceof Error ? cause.stack : String(cause),
      );
    }
    // An error must never be cached (a 404 for an instance that a reload adds a moment later).
    void http.getResponse<FastifyReply>().status(status).header('cache-control', 'no-store').send(body);
  }
}

function specError(exception: unknown): { status: number; body: ErrorBody } {
  const body = toErrorBody(exception);
  return { status: body.code, body };
}
