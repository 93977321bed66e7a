/**
 * Request ids and one log line per request. The id is the caller's `X-Request-Id` when it is a
 * short token (so a gateway's id carries through), else a new UUID; it is answered in
 * `X-Request-Id`, written on the request's log line and on every audit line the request causes
 * (passed along explicitly: AsyncLocalStorage would put a hook on every promise of every request).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

const CALLER_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CALLER_ID.test(given) ? given : randomUUID();
}

/** Registers the id header and, when `logRequests`, the per-request line (method, route, status, time). */
export function registerRequestLogging(fastify: FastifyInstance, logRequests: boolean): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  if (!logRequests) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route template, never the raw URL: a query string may carry something private.
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
    done();
  });
}
