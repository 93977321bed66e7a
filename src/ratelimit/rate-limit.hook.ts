/**
 * Request rate limits (server.yaml `rate_limits`): per client address and over all clients, as
 * a Fastify onRequest hook, so an over-limit request costs a Map lookup (one Redis call when
 * shared) and never reaches Nest or the body parser.
 * Counters live in this process (with STS_WORKERS=N or N nodes the effective limits are N times),
 * or in Redis with `rate_limits.shared`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toErrorBody } from '../errors/error-response';
import { TooManyRequestsError } from '../errors/sts-errors';
import type { RateLimitSettings } from '../server-config/server-config';
import { addressKey, clientAddress, TrustedProxies } from './client-address';
import type { WindowCounters } from './window-counters';

/** Token endpoints, the admin API and the console's API; health, metrics, JWKS, metadata and docs are not limited. */
export function isRateLimitedRoute(url: string, method: string): boolean {
  if (url.startsWith('/rest-sts/') || url.startsWith('/sts-publish/') || url.startsWith('/console/api/')) return true;
  return url.startsWith('/oauth2/') && method === 'POST';
}

function isRateLimited(request: FastifyRequest): boolean {
  // The matched route's template (routing runs before onRequest), so a differently spelled URL
  // that reaches the same handler is limited too; the raw URL for requests that match no route.
  return isRateLimitedRoute(request.routeOptions.url ?? request.url, request.method);
}

export function registerRateLimits(fastify: FastifyInstance, settings: RateLimitSettings | undefined, trustedProxies: readonly string[], counters: WindowCounters): void {
  if (!settings || (!settings.perAddress && !settings.overall)) return;
  const trusted = new TrustedProxies(trustedProxies);
  const perAddress = settings.perAddress && counters.counter('address', settings.perAddress);
  const overall = settings.overall && counters.counter('overall', settings.overall, 1);
  fastify.addHook('onRequest', async (request, reply) => {
    if (!isRateLimited(request)) return;
    const address = perAddress && addressKey(clientAddress(request.ip, request.headers['x-forwarded-for'], trusted));
    // A request refused per address does not use up the overall budget.
    const retryAfter = (address !== undefined ? await perAddress!.hit(address) : undefined) ?? (await overall?.hit(''));
    if (retryAfter === undefined) return;
    const error = new TooManyRequestsError('rate_limited', 'Too many requests; try again after the time in Retry-After.', retryAfter);
    return reply.code(429).header('retry-after', String(retryAfter)).header('cache-control', 'no-store').send(toErrorBody(error));
  });
}
