/** Answers of one lookup by key, each kept for a short time; the oldest go first when it is full. */
import type { Attributes } from './attribute-source';

const MAX_ENTRIES = 10_000;

export class LookupCache {
  private readonly entries = new Map<string, { readonly expiresAt: number; readonly value: Attributes }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Attributes | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: Attributes): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { expiresAt: this.now() + this.ttlMs, value });
  }
}
