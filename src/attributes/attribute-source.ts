/**
 * An attribute source: a connection (the realm's `attribute_sources`) that an instance's lookups
 * search for the principal. A lookup answers the attributes found (empty when the key matches
 * nothing) or throws an AttributeSourceFailure.
 */
import type { JsonValue } from '../plugin-api/json';
import type { AttributeLookupConfig, AttributeSourceType } from '../realms/schema/attribute-source-config';

export type Attributes = Readonly<Record<string, JsonValue>>;

/** `unavailable`: down, refusing or too slow; `invalid_answer`: it answered something unusable (too large, not JSON). */
export type SourceFailureKind = 'unavailable' | 'invalid_answer';

export class AttributeSourceFailure extends Error {
  constructor(
    readonly kind: SourceFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One prepared lookup: its filter, query or path bound to a source. */
export interface SourceLookup {
  find(key: string): Promise<Attributes>;
}

/**
 * A load-time problem with a lookup; `field` is the key of the lookup (`filter`, `query`...), or
 * with `onSource` a key of the source it uses (`bind_password_env`).
 */
export class LookupConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly onSource = false,
  ) {
    super(message);
  }
}

export interface AttributeSource {
  readonly name: string;
  readonly type: AttributeSourceType;
  /** Checks the lookup's keys for this type and prepares it; throws LookupConfigError. */
  prepare(lookup: AttributeLookupConfig): Promise<SourceLookup>;
}

/** Several answers for a name (rows, LDAP values) are a list; one is the value itself. */
export function collectValues(rows: readonly Readonly<Record<string, JsonValue>>[], keep: readonly string[] | undefined): Record<string, JsonValue> {
  const values = new Map<string, JsonValue[]>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (value === null || (keep && !keep.includes(name))) continue;
      values.set(name, [...(values.get(name) ?? []), value]);
    }
  }
  return Object.fromEntries([...values].map(([name, list]) => [name, list.length === 1 ? list[0] : list]));
}
