/** Counts every answer by route template, from one Fastify onResponse hook (no per-route code). */
import type { FastifyInstance } from 'fastify';
import type { StsMetrics } from './sts-metrics';

/** Requests no route matched (404s, scanners): one label value, whatever the URL was. */
export const UNMATCHED_ROUTE = 'unmatched';

export function registerHttpMetrics(fastify: FastifyInstance, metrics: StsMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    // routeOptions.url is the template (`/rest-sts/*`), never the raw URL with its query string.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
