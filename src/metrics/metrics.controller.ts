/**
 * `GET /metrics` in the Prometheus text format. Open by default (keep the port internal);
 * with STS_METRICS_TOKEN set, only `Authorization: Bearer <token>` gets the answer.
 */
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchesSecretDigest, secretDigest } from '../common/secret-digest';
import { InvalidTokenError } from '../errors/sts-errors';
import { bearerToken } from '../http/bearer-token';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import { StsMetrics } from './sts-metrics';

@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(StsMetrics) private readonly metrics: StsMetrics,
    @Inject(SERVER_SETTINGS) settings: ServerSettings,
  ) {
    this.expected = settings.metricsToken ? secretDigest(settings.metricsToken) : undefined;
  }

  @Get()
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (this.expected) {
      const presented = bearerToken(request.headers.authorization);
      if (presented === undefined || !matchesSecretDigest(presented, this.expected)) {
        void reply.header('www-authenticate', 'Bearer realm="sts-metrics"');
        throw new InvalidTokenError('The metrics need Authorization: Bearer with the server\'s metrics token.', { code: 'metrics_unauthorized' });
      }
    }
    void reply.header('content-type', this.metrics.registry.contentType).header('cache-control', 'no-store');
    return this.metrics.registry.metrics();
  }
}
