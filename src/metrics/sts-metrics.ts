/**
 * The Prometheus metrics of one application: its own Registry (not prom-client's global one, so
 * several apps can live in one process, as in the tests) with the default process metrics
 * prefixed `sts_`. Labels hold only bounded values: route templates, token types the instance
 * knows, stable error codes. Never a token, a user name or a raw URL.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics';

/** What the dispatcher reports: one call per translate or exchange. */
export interface TransformMetrics {
  observeTransform(input: string, output: string, outcome: string, seconds: number): void;
  /** One token_fulfillment lookup, by source name (from the configuration) and outcome. */
  observeAttributeLookup?(source: string, outcome: string, seconds: number): void;
}

/** Latency buckets (seconds): a signature takes about a millisecond, a scrypt login tens. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class StsMetrics implements TransformMetrics {
  readonly registry = new Registry();

  private readonly httpRequests = new LabelledCounter({
    name: 'sts_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });

  private readonly httpDuration = new LabelledHistogram({
    name: 'sts_http_request_duration_seconds',
    help: 'Time from receiving a request to sending the answer, by method and route template.',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registers: [this.registry],
  });

  private readonly transforms = new LabelledCounter({
    name: 'sts_transforms_total',
    help: 'Token transforms (translate and token exchange) by input type, output type and outcome (success or the error code).',
    labelNames: ['input', 'output', 'outcome'],
    registers: [this.registry],
  });

  private readonly transformDuration = new LabelledHistogram({
    name: 'sts_transform_duration_seconds',
    help: 'Time spent validating the input and issuing the output token, by input and output type.',
    labelNames: ['input', 'output'],
    buckets: BUCKETS,
    registers: [this.registry],
  });

  private readonly attributeLookups = new LabelledCounter({
    name: 'sts_attribute_lookups_total',
    help: 'token_fulfillment lookups by attribute source and outcome (found, not_found, cache_hit, unavailable, invalid_answer).',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });

  private readonly attributeLookupDuration = new LabelledHistogram({
    name: 'sts_attribute_lookup_duration_seconds',
    help: 'Time an attribute source took to answer a lookup (cache hits not included), by source.',
    labelNames: ['source'],
    buckets: BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sts_' });
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc(method, route, status);
    this.httpDuration.observe(seconds, method, route);
  }

  observeTransform(input: string, output: string, outcome: string, seconds: number): void {
    this.transforms.inc(input, output, outcome);
    this.transformDuration.observe(seconds, input, output);
  }

  observeAttributeLookup(source: string, outcome: string, seconds: number): void {
    this.attributeLookups.inc(source, outcome);
    if (outcome !== 'cache_hit') this.attributeLookupDuration.observe(seconds, source);
  }
}
