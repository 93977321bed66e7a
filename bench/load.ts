/**
 * Drives one endpoint with autocannon over loopback and reduces the result to what we report.
 * Warm-up and measurement are one autocannon run on the same connections: a separate warm-up
 * run would close its connections, and a busy Node server takes up new ones slowly (about one
 * per event-loop turn), so the measured run would time connection set-up instead of tokens.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export interface LoadTarget {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** A fixed body, or a pool handing out one body per request (one-time input tokens). */
  readonly body?: string;
  readonly bodies?: BodyPool;
}

export interface LoadOptions {
  readonly connections: number;
  /** Load whose responses are not measured (connections opening, code warming up). */
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Count-bound instead (a pool of one-time tokens must not run dry): the first `warmup` responses are not measured. */
  readonly amount?: { readonly total: number; readonly warmup: number };
  /** Requests per second across all connections (a light load); unlimited when absent. */
  readonly rate?: number;
  /** Called with every response body (collecting minted tokens). */
  readonly onBody?: (status: number, body: string) => void;
  /** Called with every connection error or timeout (fault.ts times them against a killed worker). */
  readonly onError?: (error: Error) => void;
}

export interface LoadResult {
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** Over the whole run, warm-up included: connection errors and timeouts. */
  readonly errors: number;
  /** Over the whole run, warm-up included. */
  readonly non2xx: number;
  /** Responses measured. */
  readonly requests: number;
}

/**
 * One body per request, in order. A pool of one-time tokens fails when it runs dry; a cycling
 * pool starts over and counts the bodies it hands out again (`reused`).
 */
export class BodyPool {
  private next = 0;
  constructor(
    private readonly bodies: readonly string[],
    private readonly cycle = false,
  ) {}
  get remaining(): number {
    return Math.max(0, this.bodies.length - this.next);
  }
  get reused(): number {
    return Math.max(0, this.next - this.bodies.length);
  }
  take(): string {
    if (this.next >= this.bodies.length && !this.cycle) throw new Error('the pool of one-time request bodies ran dry');
    return this.bodies[this.next++ % this.bodies.length];
  }
}

export function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const { bodies } = target;
  const { amount } = options;
  const latencies: number[] = [];
  let responses = 0;
  let measuringSince: number | undefined;
  let lastResponseAt = 0;
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: target.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: target.body,
        connections: options.connections,
        duration: options.warmupSeconds + options.seconds,
        amount: amount?.total,
        overallRate: options.rate,
        timeout: 30,
        requests: [
          {
            ...(bodies && { setupRequest: (request: autocannon.Request) => ({ ...request, body: bodies.take() }) }),
            ...(options.onBody && { onResponse: options.onBody }),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const window = ((amount ? lastResponseAt : performance.now()) - (measuringSince ?? 0)) / 1000;
        resolve({
          rps: measuringSince === undefined ? 0 : Math.round(latencies.length / window),
          p50_ms: percentile(latencies, 0.5),
          p99_ms: percentile(latencies, 0.99),
          errors: result.errors,
          non2xx: result.non2xx,
          requests: latencies.length,
        });
      },
    );
    if (options.onError) instance.on('reqError', options.onError);
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      responses++;
      const now = performance.now();
      if (measuringSince === undefined) {
        const warm = amount ? responses > amount.warmup : now - startedAt >= options.warmupSeconds * 1000;
        if (!warm) return;
        measuringSince = now;
      }
      latencies.push(responseTime);
      lastResponseAt = now;
    });
  });
}

/** Nearest-rank percentile in milliseconds, to 0.1 ms. */
function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)], 1);
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
