/**
 * An instance's `token_fulfillment`, compiled at load: after the input is validated and before any
 * token is made, look the principal up in the configured sources, compute attributes and the
 * subject with CEL, and check the issuance criteria. Everything is decided before the first token
 * exists, so a failure issues nothing.
 */
import { Logger } from '@nestjs/common';
import { ServiceUnavailableError, StsError } from '../errors/sts-errors';
import {
  type CelBindings,
  celInputOf,
  type CompiledExpression,
  compileExpression,
  ExpressionCompileError,
  ExpressionEvaluationError,
} from '../expressions/cel-expression';
import { TimeLimitExceeded, withinTimeLimit } from '../expressions/time-limit';
import type { JsonValue } from '../plugin-api/json';
import type { ConfigurationProblem, PrincipalSession, StsRequestContext } from '../plugin-api/token-contract';
import type { TokenFulfillmentConfig } from '../realms/schema/attribute-source-config';
import { type AttributeSource, AttributeSourceFailure, type Attributes, LookupConfigError, type SourceLookup } from './attribute-source';
import { LookupCache } from './lookup-cache';

/** Lookup keys that belong to one source type: on a lookup in another, refused rather than ignored. */
const LOOKUP_KEYS = [
  ['filter', 'ldap'],
  ['query', 'sql'],
  ['path', 'http'],
] as const;

/** Namespaces the STS fills itself; a lookup cannot take these names. */
const BUILT_IN_NAMESPACES = ['principal', 'token', 'session', 'request'] as const;

export interface FulfillmentInput {
  readonly principal: string;
  readonly session?: PrincipalSession;
  readonly inputTokenType: string;
  readonly outputTokenTypes: readonly string[];
  readonly request: StsRequestContext;
  readonly clientId: string | undefined;
}

export interface Fulfilled {
  readonly principal: string;
  readonly session: PrincipalSession | undefined;
}

/** Where lookups are counted (sts_attribute_lookups_total). */
export interface LookupMetrics {
  observeAttributeLookup?(source: string, outcome: string, seconds: number): void;
}

interface PreparedLookup {
  readonly source: string;
  readonly namespace: string;
  readonly path: string;
  readonly key: CompiledExpression;
  readonly required: boolean;
  readonly lookup: SourceLookup;
  readonly cache: LookupCache;
}

interface Named<T> {
  readonly name: string;
  readonly path: string;
  readonly value: T;
}

interface Criterion {
  readonly path: string;
  readonly condition: CompiledExpression;
  readonly message: string;
  readonly outputTypes?: readonly string[];
}

export interface FulfillmentPlace {
  readonly realmPath: string;
  readonly instancePath: string;
  /** The output types the instance issues (criteria may be limited to some). */
  readonly outputTypes: readonly string[];
  readonly sources: ReadonlyMap<string, AttributeSource>;
  /** Where a source's key lives in the realm file, for problems found on it. */
  readonly sourcePath: (name: string) => string;
}

export interface CompiledFulfillment {
  readonly fulfillment?: TokenFulfillment;
  /** Paths inside the instance (`token_fulfillment...`), or from the realm root when `onRealm`. */
  readonly problems: (ConfigurationProblem & { readonly onRealm?: boolean })[];
}

export class TokenFulfillment {
  private readonly logger = new Logger('TokenFulfillment');

  private constructor(
    private readonly config: TokenFulfillmentConfig,
    private readonly place: FulfillmentPlace,
    private readonly lookups: readonly PreparedLookup[],
    private readonly attributes: readonly Named<CompiledExpression>[],
    private readonly subject: CompiledExpression | undefined,
    private readonly criteria: readonly Criterion[],
  ) {
    const expressions = [...lookups.map((lookup) => lookup.key), ...criteria.map((criterion) => criterion.condition), ...(subject ? [subject] : []), ...attributes.map((attribute) => attribute.value)];
    this.namesUsed = new Set(expressions.flatMap((expression) => [...expression.names]));
    this.evaluationCost =
      criteria.reduce((sum, criterion) => sum + criterion.condition.cost, 0) + (subject?.cost ?? 0) + attributes.reduce((sum, attribute) => sum + attribute.value.cost, 0);
  }

  /** What evaluate() runs at most: the criteria, the subject and the attributes together. */
  private readonly evaluationCost: number;
  /**
   * The namespaces some expression names: only those are bound, so a long list in a namespace
   * nothing reads (an input's 1000 groups) does not trip max_list_length.
   */
  private readonly namesUsed: ReadonlySet<string>;

  static async compile(config: TokenFulfillmentConfig, place: FulfillmentPlace): Promise<CompiledFulfillment> {
    const problems: CompiledFulfillment['problems'] = [];
    const base = 'token_fulfillment';
    const namespaces = new Set<string>(BUILT_IN_NAMESPACES);
    const options = (variables: ReadonlySet<string>) => ({ variables, maxListLength: config.max_list_length, costLimit: config.cost_limit });
    const compile = (text: string, path: string, variables: ReadonlySet<string>): CompiledExpression | undefined => {
      try {
        return compileExpression(text, options(variables));
      } catch (error) {
        if (!(error instanceof ExpressionCompileError)) throw error;
        problems.push({ path, message: error.message });
        return undefined;
      }
    };

    const lookups: PreparedLookup[] = [];
    for (const [index, lookupConfig] of config.lookups.entries()) {
      const path = `${base}.lookups[${index}]`;
      const source = place.sources.get(lookupConfig.source);
      if (!source) {
        const known = [...place.sources.keys()];
        problems.push({ path: `${path}.source`, message: `no attribute source "${lookupConfig.source}" in this realm (${known.length ? `it has ${known.join(', ')}` : 'it has none; add attribute_sources'})` });
        continue;
      }
      const misplaced = LOOKUP_KEYS.filter(([key, type]) => lookupConfig[key] !== undefined && source.type !== type);
      for (const [key, type] of misplaced) {
        problems.push({ path: `${path}.${key}`, message: `${key} only applies to lookups in ${type} sources; "${source.name}" is ${source.type}` });
      }
      if (misplaced.length > 0) continue;
      const namespace = lookupConfig.as ?? source.name;
      if (namespaces.has(namespace)) {
        problems.push({ path: `${path}.${lookupConfig.as ? 'as' : 'source'}`, message: `the namespace "${namespace}" is taken; name this lookup's namespace with as:` });
        continue;
      }
      namespaces.add(namespace);
      // The key is computed from what the STS knows before any lookup.
      const key = compile(lookupConfig.key, `${path}.key`, new Set(BUILT_IN_NAMESPACES));
      let lookup: SourceLookup;
      try {
        lookup = await source.prepare(lookupConfig);
      } catch (error) {
        if (!(error instanceof LookupConfigError)) throw error;
        problems.push(error.onSource ? { path: `${place.sourcePath(source.name)}.${error.field}`, message: error.message, onRealm: true } : { path: `${path}.${error.field}`, message: error.message });
        continue;
      }
      if (key) {
        lookups.push({ source: source.name, namespace, path, key, required: lookupConfig.required, lookup, cache: new LookupCache(lookupConfig.cache_seconds * 1000) });
      }
    }

    const attributes: Named<CompiledExpression>[] = [];
    for (const [name, text] of Object.entries(config.attributes)) {
      const path = `${base}.attributes.${name}`;
      const compiled = compile(text, path, namespaces);
      if (compiled) attributes.push({ name, path, value: compiled });
    }
    const subject = config.subject === undefined ? undefined : compile(config.subject, `${base}.subject`, namespaces);
    const criteria: Criterion[] = [];
    for (const [index, criterion] of config.issuance_criteria.entries()) {
      const path = `${base}.issuance_criteria[${index}]`;
      criterion.output_types?.forEach((type, typeIndex) => {
        if (!place.outputTypes.includes(type)) {
          problems.push({ path: `${path}.output_types[${typeIndex}]`, message: `the instance issues no ${type} tokens (it issues ${place.outputTypes.join(', ')})` });
        }
      });
      const condition = compile(criterion.condition, `${path}.condition`, namespaces);
      if (condition) criteria.push({ path, condition, message: criterion.message, outputTypes: criterion.output_types });
    }
    if (problems.length > 0) return { problems };
    return { fulfillment: new TokenFulfillment(config, place, lookups, attributes, subject, criteria), problems };
  }

  async fulfil(input: FulfillmentInput, metrics?: LookupMetrics): Promise<Fulfilled> {
    const base = this.bindingsOf(input);
    const found = await Promise.all(this.lookups.map(async (lookup) => [lookup.namespace, await this.lookUp(lookup, base, metrics)] as const));
    const used = found.filter(([namespace]) => this.namesUsed.has(namespace));
    const bindings: CelBindings = { ...base, ...Object.fromEntries(used.map(([namespace, attributes]) => [namespace, this.celInput(attributes, namespace)])) };
    const { computed, principal } = this.evaluate(bindings, input);
    return { principal, session: withAttributes(input.session, computed) };
  }

  /** What expressions see before any lookup: the principal, the input's attributes, the session, the request. */
  private bindingsOf(input: FulfillmentInput): CelBindings {
    const { session } = input;
    const namespaces: Record<string, () => JsonValue> = {
      token: () => (session?.attributes ?? {}) as JsonValue,
      session: () =>
        session
          ? {
              amr: [...session.authenticationMethods],
              auth_time: Math.floor(session.authenticatedAt.getTime() / 1000),
              ...(typeof session.acr === 'string' && { acr: session.acr }),
            }
          : {},
      request: () => ({
        realm: this.place.realmPath,
        instance: this.place.instancePath,
        input_type: input.inputTokenType,
        output_types: [...input.outputTokenTypes],
        remote_address: input.request.remoteAddress,
        ...(input.clientId !== undefined && { client_id: input.clientId }),
      }),
    };
    const bindings: Record<string, CelBindings[string]> = { principal: input.principal };
    for (const [name, value] of Object.entries(namespaces)) {
      if (this.namesUsed.has(name)) bindings[name] = this.celInput(value(), name);
    }
    return bindings;
  }

  private celInput(value: Attributes | JsonValue, namespace: string) {
    return this.guardedInput(() => celInputOf(value as JsonValue, this.config.max_list_length, namespace));
  }

  private guardedInput<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw stsErrorOf(error, 'token_fulfillment');
    }
  }

  /** One lookup: its key, then the cache or the source; an optional source that fails gives nothing. */
  private async lookUp(lookup: PreparedLookup, bindings: CelBindings, metrics: LookupMetrics | undefined): Promise<Attributes> {
    const key = this.evaluateWithin(() => lookup.key.evaluate(bindings), `${lookup.path}.key`, lookup.key.cost);
    if (key === null || key === '') return {};
    if (typeof key !== 'string') {
      throw new StsError(500, 'expression_evaluation_failed', `${lookup.path}.key must give a string (or null to skip the lookup), not ${typeof key}.`);
    }
    const cached = lookup.cache.get(key);
    if (cached) {
      metrics?.observeAttributeLookup?.(lookup.source, 'cache_hit', 0);
      return cached;
    }
    const started = performance.now();
    try {
      const attributes = await lookup.lookup.find(key);
      metrics?.observeAttributeLookup?.(lookup.source, Object.keys(attributes).length > 0 ? 'found' : 'not_found', (performance.now() - started) / 1000);
      lookup.cache.set(key, attributes);
      return attributes;
    } catch (error) {
      if (!(error instanceof AttributeSourceFailure)) throw error;
      metrics?.observeAttributeLookup?.(lookup.source, error.kind, (performance.now() - started) / 1000);
      this.logger.warn(`attribute source "${lookup.source}" (${this.place.instancePath}): ${error.message}${lookup.required ? '' : '; continuing without it (optional)'}`);
      if (!lookup.required) return {};
      if (error.kind === 'invalid_answer') {
        throw new StsError(502, 'attribute_source_invalid_answer', `The attribute source "${lookup.source}" gave an answer that cannot be used (${error.message}).`);
      }
      throw new ServiceUnavailableError(`The attribute source "${lookup.source}" is not available right now; try again shortly.`, { code: 'attribute_source_unavailable', cause: error });
    }
  }

  /** The criteria, the subject and the attributes: all within one time limit, all or nothing. */
  private evaluate(bindings: CelBindings, input: FulfillmentInput): { computed: Record<string, JsonValue | null>; principal: string } {
    return this.evaluateWithin(() => {
      // Criteria first: a refusal is the answer even where an attribute could not be computed.
      for (const criterion of this.criteria) {
        if (criterion.outputTypes && !criterion.outputTypes.some((type) => input.outputTokenTypes.includes(type))) continue;
        const met = evaluateAt(criterion.condition, bindings, `${criterion.path}.condition`);
        if (typeof met !== 'boolean') {
          throw new StsError(500, 'expression_evaluation_failed', `${criterion.path}.condition must give true or false, not ${JSON.stringify(met)?.slice(0, 64)}.`);
        }
        if (!met) throw new StsError(403, 'issuance_criteria_not_met', criterion.message);
      }
      let principal = input.principal;
      if (this.subject) {
        const subject = evaluateAt(this.subject, bindings, 'token_fulfillment.subject');
        if (typeof subject !== 'string' || subject === '') {
          throw new StsError(500, 'expression_evaluation_failed', 'token_fulfillment.subject must give a non-empty string.');
        }
        principal = subject;
      }
      const computed: Record<string, JsonValue | null> = {};
      for (const { name, path, value } of this.attributes) computed[name] = evaluateAt(value, bindings, path);
      return { computed, principal };
    }, 'token_fulfillment', this.evaluationCost);
  }

  private evaluateWithin<T>(work: () => T, path: string, estimatedCost: number): T {
    try {
      return withinTimeLimit(this.config.expression_timeout_ms, work, estimatedCost);
    } catch (error) {
      throw stsErrorOf(error, path);
    }
  }
}

function evaluateAt(expression: CompiledExpression, bindings: CelBindings, path: string): JsonValue {
  try {
    return expression.evaluate(bindings);
  } catch (error) {
    throw stsErrorOf(error, path);
  }
}

function stsErrorOf(error: unknown, path: string): unknown {
  if (error instanceof TimeLimitExceeded) {
    return new StsError(500, 'expression_timeout', `The expressions of ${path} did not finish within the time limit (${error.message}).`);
  }
  if (!(error instanceof ExpressionEvaluationError)) return error;
  if (error.failure === 'cost') return new StsError(422, 'expression_cost_exceeded', `${error.message}.`);
  return new StsError(500, 'expression_evaluation_failed', `${path} could not be evaluated: ${error.message}.`);
}

/**
 * The session with the computed attributes over the input's (a computed null removes the name, so
 * the input cannot fill it in). Without a session, one is made for the attributes alone.
 */
function withAttributes(session: PrincipalSession | undefined, computed: Readonly<Record<string, JsonValue | null>>): PrincipalSession | undefined {
  const names = Object.keys(computed);
  if (names.length === 0) return session;
  const attributes: Record<string, JsonValue> = { ...session?.attributes };
  for (const name of names) {
    const value = computed[name];
    if (value === null) delete attributes[name];
    else attributes[name] = value;
  }
  return { ...(session ?? { authenticatedAt: new Date(), authenticationMethods: [] }), attributes: Object.freeze(attributes) };
}
