/**
 * `GET /metrics` in the Prometheus text format. Open by default (keep the port internal);
 * with STS_METRICS_TOKEN set, only `Authorization: Bearer <token>` gets the answer.
 */
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenError } from '../errors/sts-errors';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import { StsMetrics } from './sts-metrics';

@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(StsMetrics) private readonly metrics: StsMetrics,
    @Inject(SERVER_SETTINGS) settings: ServerSettings,
  ) {
    this.expected = settings.metricsToken ? digest(settings.metricsToken) : undefined;
  }

  @Get()
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (this.expected) {
      const presented = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
      // Digests of both sides: constant time, and not even the token's length leaks.
      if (presented === undefined || !timingSafeEqual(digest(presented), this.expected)) {
        void reply.header('www-authenticate', 'Bearer realm="sts-metrics"');
        throw new InvalidTokenError('The metrics need Authorization: Bearer with the server\'s metrics token.', { code: 'metrics_unauthorized' });
      }
    }
    void reply.header('content-type', this.metrics.registry.contentType).header('cache-control', 'no-store');
    return this.metrics.registry.metrics();
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
