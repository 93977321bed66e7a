/**
 * A counter and a histogram with labels, for the metrics updated on every request. prom-client's
 * own hash and check the label object on every call (about 1 µs each, four calls a request);
 * these keep one entry per label set, found by its values, and hand prom-client's Registry the
 * same samples at scrape time, so the text it writes is the same.
 */
import type { Registry } from 'prom-client';

type LabelValue = string | number;

interface MetricConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registers: readonly Registry[];
}

interface Sample {
  readonly labels: Record<string, LabelValue>;
  readonly value: number;
  readonly metricName?: string;
}

interface CounterEntry {
  readonly labels: Record<string, LabelValue>;
  value: number;
}

interface HistogramEntry {
  readonly labels: Record<string, LabelValue>;
  /** Per bucket (not cumulative), then the count of values above the last bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

abstract class LabelledMetric<L extends string, E> {
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  protected readonly entries = new Map<string, E>();
  private readonly labelNames: readonly L[];

  constructor(config: MetricConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  reset(): void {
    this.entries.clear();
  }

  /** The entry of these label values (given in labelNames order), made on first use. */
  protected entry(values: readonly LabelValue[], make: (labels: Record<string, LabelValue>) => E): E {
    const key = values.length === 1 ? String(values[0]) : values.join('\u0000');
    let found = this.entries.get(key);
    if (found === undefined) {
      const labels: Record<string, LabelValue> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]));
      found = make(labels);
      this.entries.set(key, found);
    }
    return found;
  }
}

export class LabelledCounter<L extends string> extends LabelledMetric<L, CounterEntry> {
  readonly type = 'counter';

  inc(...values: LabelValue[]): void {
    this.entry(values, (labels) => ({ labels, value: 0 })).value += 1;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values = [...this.entries.values()].map(({ labels, value }) => ({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class LabelledHistogram<L extends string> extends LabelledMetric<L, HistogramEntry> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(config: MetricConfig<L> & { readonly buckets: readonly number[] }) {
    super(config);
    this.bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** One value, then its label values in labelNames order. */
  observe(value: number, ...values: LabelValue[]): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const entry = this.entry(values, (labels) => ({ labels, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]) bucket++;
    entry.buckets[bucket]++;
    entry.sum += value;
    entry.count++;
  }

  /** As prom-client writes a histogram: cumulative buckets with `le` first, +Inf, _sum, _count. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const { labels, buckets, sum, count } of this.entries.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += buckets[i];
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
