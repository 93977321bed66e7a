/**
 * The console's Activity view: the latest audit events, kept in memory (bounded, newest first),
 * and each transform's count by outcome with its rate since the previous look. The audit events
 * are the ones the audit log writes, so they carry no password, token or key.
 */
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_LOG, type AuditEvent, type AuditLog } from '../logging/audit-log';
import { StsMetrics } from '../metrics/sts-metrics';

/** How many audit events are kept; older ones are dropped. */
export const RECENT_EVENTS = 200;

export interface RecentEvent extends AuditEvent {
  readonly at: string;
}

export interface TransformActivity {
  readonly input: string;
  readonly output: string;
  /** `success` or the error code. */
  readonly outcome: string;
  readonly total: number;
  /** Per minute since the previous look at the Activity view; absent on the first. */
  readonly per_minute?: number;
}

@Injectable()
export class RecentActivity {
  private readonly events: RecentEvent[] = [];
  private previous: { at: number; totals: Map<string, number> } | undefined;
  /** Replaced in tests to move time on without waiting. */
  clock: () => number = Date.now;

  constructor(
    @Inject(AUDIT_LOG) audit: AuditLog,
    private readonly metrics: StsMetrics,
  ) {
    audit.subscribe((event) => this.add(event));
  }

  private add(event: AuditEvent): void {
    this.events.unshift({ at: new Date(this.clock()).toISOString(), ...event });
    if (this.events.length > RECENT_EVENTS) this.events.pop();
  }

  recentEvents(): RecentEvent[] {
    return [...this.events];
  }

  async transforms(): Promise<TransformActivity[]> {
    const metric = await this.metrics.registry.getSingleMetric('sts_transforms_total')?.get();
    const now = this.clock();
    const totals = new Map<string, number>();
    const rows = (metric?.values ?? []).map(({ labels, value }) => {
      const key = `${labels.input}>${labels.output}>${labels.outcome}`;
      totals.set(key, value);
      const minutes = this.previous ? (now - this.previous.at) / 60_000 : 0;
      const before = this.previous?.totals.get(key) ?? 0;
      return {
        input: String(labels.input),
        output: String(labels.output),
        outcome: String(labels.outcome),
        total: value,
        ...(minutes > 0 && { per_minute: Math.round(((value - before) / minutes) * 100) / 100 }),
      };
    });
    this.previous = { at: now, totals };
    return rows;
  }
}
