/**
 * The one place that turns an input token into an output token: resolve the validator and the
 * token provider for the two types, refuse what the instance does not allow, validate, provide.
 * A failure inside a validator or token provider becomes a typed StsError, never a token.
 */
import { InternalStsError, InvalidRequestError, InvalidTokenError, isStsError, ServiceUnavailableError } from '../errors/sts-errors';
import { isWritableTime } from '../common/writable-time';
import type { AuditLog } from '../logging/audit-log';
import type { TransformMetrics } from '../metrics/sts-metrics';
import type { JsonObject } from '../plugin-api/json';
import type {
  AuthenticatedClient,
  IssuedToken,
  ReplayGuard,
  StsRequestContext,
  TokenExchangeContext,
  TokenValidationResult,
  TokenValidator,
} from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { IssuedTokens } from '../tokens/issued-tokens';
import { tokenHash } from '../tokens/token-hash';
import { guardedCall } from './guarded-call';
import { boundAccessToken, ID_TOKEN_TYPE, issuanceOrder, namedOutputsOf, type NamedOutput } from './output-token-set';
import type { Resolution, TokenTypeRegistry } from './token-type-registry';

export interface TranslateRequest {
  readonly target: LoadedInstance;
  readonly inputTokenState: JsonObject;
  readonly outputTokenState: JsonObject;
  readonly request: StsRequestContext;
  /** The OAuth client the endpoint authenticated, if it did; handed to the token provider. */
  readonly client?: AuthenticatedClient;
}

/** A token exchange (RFC 8693): the translate flow, plus an optional actor token and what the token endpoint decides. */
export interface ExchangeRequest extends TranslateRequest {
  /** The actor token as an input token state; validated like the subject, for the same output type. */
  readonly actorTokenState?: JsonObject;
  /** Runs after both tokens validated; returns what the provider gets as `exchange`, or throws to refuse. */
  readonly decide: (subject: TokenValidationResult, actor: TokenValidationResult | undefined) => TokenExchangeContext;
}

export interface TokenDispatcherOptions {
  /** How long a validator or token provider may take before the request gets a 504. */
  readonly timeoutMs: number;
  /** The replay cache handed to validators: one for the deployment, namespaced by kind of input. */
  readonly replayGuardFor: (inputTokenType: string) => ReplayGuard;
  /** Where instances with `persist_issued_tokens` record what they issue. */
  readonly issuedTokens?: IssuedTokens;
  /** Counts every translate and exchange by types and outcome. */
  readonly metrics?: TransformMetrics;
  /** Writes an audit line for every translate and exchange. */
  readonly audit?: AuditLog;
}

/** What issue() produced for one output, and for whom. */
interface Issued {
  readonly name: string;
  readonly issued: IssuedToken;
  readonly principal: string;
}

/** One translate asking for several outputs, validated once (`output_token_states`). */
export interface MultiTranslateRequest extends Omit<TranslateRequest, 'outputTokenState'> {
  /** The caller's names for the outputs, each with its output token state; checked by output-token-set.ts. */
  readonly outputTokenStates: unknown;
  /**
   * Per output name, whom that output is issued to (handed to its provider as `exchange`): an
   * OIDC redirect issues its ID token to the redirect's client alone (aud, azp).
   */
  readonly issuedTo?: Readonly<Record<string, TokenExchangeContext>>;
}

type Transform = Omit<TranslateRequest, 'outputTokenState'> & Partial<Omit<ExchangeRequest, 'outputTokenState'>> & Pick<MultiTranslateRequest, 'issuedTo'>;

export class TokenDispatcher {
  constructor(
    private readonly registry: TokenTypeRegistry,
    private readonly options: TokenDispatcherOptions,
  ) {}

  async translate(request: TranslateRequest): Promise<string> {
    return (await this.observed(request, single(request.outputTokenState), 'issue'))[0]!.issued.token;
  }

  /**
   * Several outputs from one validation of the input: every output is checked as a translate to
   * its type would be, then all are created; all are issued (and recorded) or none is.
   */
  async translateMany(request: MultiTranslateRequest): Promise<Record<string, string>> {
    const issued = await this.translateManyIssued(request);
    return Object.fromEntries(Object.entries(issued).map(([name, { token }]) => [name, token]));
  }

  /** translateMany(), answering each token with its expiry (an OIDC redirect's `expires_in`). */
  async translateManyIssued(request: MultiTranslateRequest): Promise<Record<string, IssuedToken>> {
    const done = await this.observed(request, namedOutputsOf(request.outputTokenStates), 'issue');
    return Object.fromEntries(done.map(({ name, issued }) => [name, issued]));
  }

  /** The token endpoint's path: the same checks, validation, provision and recording as translate. */
  async exchange(request: ExchangeRequest): Promise<IssuedToken> {
    return (await this.observed(request, single(request.outputTokenState), 'exchange'))[0]!.issued;
  }

  /**
   * issue(), counted (metrics) and recorded (audit) by types and outcome, one count and one audit
   * line per output: the one place every transform passes through.
   */
  private async observed(request: Transform, outputs: readonly NamedOutput[], action: 'issue' | 'exchange'): Promise<Issued[]> {
    const { metrics } = this.options;
    const audit = this.options.audit?.enabled ? this.options.audit : undefined;
    if (!metrics && !audit) return this.issue(request, outputs);
    const started = performance.now();
    let done: Issued[] | undefined;
    let outcome = 'success';
    try {
      done = await this.issue(request, outputs);
      return done;
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      const settings = request.target.instance.settings;
      const input = typeLabel(request.inputTokenState, (type) => this.registry.resolveValidator(settings, type));
      const seconds = (performance.now() - started) / 1000;
      for (const { name, state } of outputs) {
        const output = typeLabel(state, (type) => this.registry.resolveProvider(settings, type));
        const made = done?.find((issued) => issued.name === name);
        metrics?.observeTransform(input, output, outcome, seconds);
        audit?.record({
          action,
          outcome: made ? 'success' : 'failure',
          instance: request.target.instance.path,
          input_type: input,
          output_type: output,
          ...(made ? { principal: made.principal, token_hash: tokenHash(made.issued.token) } : { error: outcome }),
          request_id: request.request.requestId,
          remote_address: request.request.remoteAddress,
        });
      }
    }
  }

  private async issue(transform: Transform, outputs: readonly NamedOutput[]): Promise<Issued[]> {
    // Named fields, not a rest object: copying the rest out cost more than the rest of this function.
    const { target, inputTokenState, request, client, issuedTo, actorTokenState, decide } = transform;
    const { realm, instance } = target;
    const inputTokenType = tokenTypeOf(inputTokenState, 'input_token_state');
    const validator = ready(this.registry.resolveValidator(instance.settings, inputTokenType), inputTokenType, target, 'input');
    // An actor token is an input too: the instance must accept its type for every output.
    const actorTokenType = actorTokenState && tokenTypeOf(actorTokenState, 'actor_token_state');
    const actorValidator = actorTokenType ? ready(this.registry.resolveValidator(instance.settings, actorTokenType), actorTokenType, target, 'input') : undefined;
    const planned = outputs.map((output) => {
      const outputTokenType = tokenTypeOf(output.state, output.field);
      const provider = ready(this.registry.resolveProvider(instance.settings, outputTokenType), outputTokenType, target, 'output');
      checkTransform(target, inputTokenType, outputTokenType);
      if (actorTokenType) checkTransform(target, actorTokenType, outputTokenType);
      return { name: output.name, field: output.field, state: output.state, outputTokenType, provider };
    });
    const accessToken = boundAccessToken(outputs);
    for (const { state, provider } of planned) {
      if (provider.checkOutputTokenState) await this.guarded('token_issuance_failed', () => provider.checkOutputTokenState!(state, instance));
    }

    const validate = (tokenType: string, tokenState: JsonObject, tokenValidator: TokenValidator) =>
      this.guarded('token_validation_failed', () => {
        const replayGuard = this.options.replayGuardFor(tokenType);
        const validated = tokenValidator.validateToken({ inputTokenType: tokenType, inputTokenState: tokenState, realm, instance, request, replayGuard });
        // Checked within the guard (and its time limit), as soon as the validator answers.
        return isThenable(validated) ? Promise.resolve(validated).then(checkedValidationResult) : checkedValidationResult(validated);
      });
    const result = await validate(inputTokenType, inputTokenState, validator);
    const actor = actorValidator ? await validate(actorTokenType!, actorTokenState!, actorValidator) : undefined;
    const context = decide?.(result, actor);
    // token_fulfillment: lookups, computed attributes and subject, issuance criteria; before any token exists.
    const { principal, session } = target.fulfillment
      ? await this.guarded('token_fulfillment_failed', () =>
          target.fulfillment!.fulfil(
            { ...result, inputTokenType, outputTokenTypes: planned.map((p) => p.outputTokenType), request, clientId: context?.clientId ?? client?.id },
            this.options.metrics,
          ),
        )
      : result;

    const created = new Map<string, IssuedToken>();
    for (const { name, state, outputTokenType, provider } of issuanceOrder(planned)) {
      const boundToken = outputTokenType === ID_TOKEN_TYPE && accessToken ? created.get(accessToken.name)!.token : undefined;
      const outputContext = issuedTo?.[name] ?? context;
      const made = await this.guarded('token_issuance_failed', () =>
        provider.createToken({
          principal,
          session,
          additionalState: result.additionalState,
          inputTokenType,
          inputTokenState,
          outputTokenType,
          outputTokenState: state,
          realm,
          instance,
          ...(outputContext && { exchange: outputContext }),
          ...(client && { client }),
          ...(boundToken !== undefined && { accessToken: boundToken }),
        }),
      );
      created.set(name, ownedBy(issuedTokenOf(made), context?.clientId ?? client?.id));
    }
    const done = planned.map(({ name }) => ({ name, issued: created.get(name)!, principal }));
    if (instance.settings.persist_issued_tokens) {
      // Recorded before the answer, and only once every output exists: a token the client holds
      // is always one the store knows, and a failed set leaves nothing behind.
      const issued = planned.map(({ name, outputTokenType }) => ({ tokenType: outputTokenType, issued: created.get(name)! }));
      await this.recordAll(target, issued, principal, result.session?.sessionId);
    }
    return done;
  }

  /** Records every token of a set, or (when the store fails part way) takes back those it recorded. */
  private async recordAll(target: LoadedInstance, tokens: readonly { tokenType: string; issued: IssuedToken }[], principal: string, fromSession: string | undefined): Promise<void> {
    const issuedTokens = this.options.issuedTokens;
    if (!issuedTokens) throw new InternalStsError('No token store is configured.', { code: 'token_store_missing' });
    const recorded: IssuedToken[] = [];
    try {
      for (const { tokenType, issued } of tokens) {
        await issuedTokens.record(target, tokenType, principal, issued);
        recorded.push(issued);
        // Issued from a session: linked to it, so a logout can cancel it where the instance says so.
        if (fromSession !== undefined) await issuedTokens.linkToSession(target, fromSession, issued);
      }
    } catch (error) {
      // The answer is an error, so no client holds these: they must not count as issued.
      await Promise.allSettled(recorded.map((issued) => issuedTokens.forget(target, issued.token)));
      throw error;
    }
  }

  private guarded<T>(code: string, work: () => T | PromiseLike<T>): T | Promise<T> {
    return guardedCall(this.options.timeoutMs, code, work);
  }
}

/** A single translate's (or exchange's) one output. */
function single(state: JsonObject): NamedOutput[] {
  return [{ name: 'output_token_state', field: 'output_token_state', state }];
}

/** A provider returns the token string or an IssuedToken (contract 1.1); anything else is its fault. */
function issuedTokenOf(created: string | IssuedToken): IssuedToken {
  const issued = typeof created === 'string' ? { token: created } : created;
  if (typeof issued?.token !== 'string' || issued.token.length === 0) {
    throw new InternalStsError('The token provider returned no token.', { code: 'token_issuance_failed' });
  }
  if (issued.expiresAt !== undefined && !(issued.expiresAt instanceof Date && Number.isFinite(issued.expiresAt.getTime()))) {
    throw new InternalStsError('The token provider returned an invalid expiresAt.', { code: 'token_issuance_failed' });
  }
  return issued;
}

/**
 * An authenticated client asked for this token (at the token endpoint, or at a translate that
 * authenticates clients): unless the provider named a client itself, the record says it is that
 * client's (RFC 7662 `client_id`), so that client, and only it, may revoke it.
 */
function ownedBy(issued: IssuedToken, clientId: string | undefined): IssuedToken {
  if (clientId === undefined || issued.introspectionClaims?.client_id !== undefined) return issued;
  return { ...issued, introspectionClaims: { ...issued.introspectionClaims, client_id: clientId } };
}

/**
 * A token type as a metric label: only types the instance can resolve (built in, or bound to a
 * plugin by its configuration), so a client cannot make up label values.
 */
function typeLabel(state: JsonObject, resolve: (type: string) => Resolution<unknown>): string {
  const type = state?.token_type;
  return typeof type === 'string' && resolve(type).status !== 'unknown' ? type : 'unknown';
}

/** The stable error code; a plugin's own code only when it looks like one (it becomes a label). */
function outcomeOf(error: unknown): string {
  if (!isStsError(error)) return 'internal_error';
  return /^[a-z0-9_.-]{1,64}$/i.test(error.code) ? error.code : 'other_error';
}

function checkTransform(target: LoadedInstance, inputTokenType: string, outputTokenType: string): void {
  if (!target.supportsTransform(inputTokenType, outputTokenType)) {
    throw new InvalidRequestError(`Instance ${target.instance.path} does not support the transform ${inputTokenType} -> ${outputTokenType}.`, {
      code: 'unsupported_transform',
    });
  }
}

function tokenTypeOf(state: JsonObject, field: string): string {
  const type = state.token_type;
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidRequestError(`${field}.token_type is required and must be a string.`);
  }
  return type;
}

/** The handler for a type; a type nothing handles is refused naming the ones the instance takes on that side. */
export function ready<T>(resolution: Resolution<T>, tokenType: string, target: LoadedInstance, side: 'input' | 'output'): T {
  switch (resolution.status) {
    case 'ready':
      return resolution.handler;
    case 'unavailable':
      throw new ServiceUnavailableError(`The plugin "${resolution.plugin}" that handles ${tokenType} tokens is not available.`, {
        code: 'plugin_unavailable',
      });
    case 'unknown': {
      const accepted = target.tokenTypes(side).join(', ');
      const takes = side === 'input' ? `accepts ${accepted} as input` : `issues ${accepted}`;
      throw new InvalidRequestError(`Unknown token type "${tokenType.slice(0, 64)}" as ${side}; instance ${target.instance.path} ${takes}.`, {
        code: 'unknown_token_type',
      });
    }
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

function checkedValidationResult(result: TokenValidationResult): TokenValidationResult {
  checkValidationResult(result);
  return result;
}

function checkValidationResult(result: TokenValidationResult): void {
  if (typeof result?.principal !== 'string' || result.principal.length === 0) {
    throw new InternalStsError('The token validator returned no principal.', { code: 'token_validation_failed' });
  }
  if (result.issuer !== undefined && (typeof result.issuer !== 'string' || result.issuer.length === 0)) {
    throw new InternalStsError('The token validator returned an issuer that is not a non-empty string.', { code: 'token_validation_failed' });
  }
  if (!result.session) return;
  // Duck-typed: a plugin's Date may come from another realm (vm context).
  const authenticatedAt: unknown = result.session.authenticatedAt;
  if (typeof (authenticatedAt as Date | undefined)?.getTime !== 'function') {
    throw new InternalStsError('The token validator returned no authentication time.', { code: 'token_validation_failed' });
  }
  // A time taken from the input (by a plugin, say) that no issued token could carry: the input is unusable.
  if (!isWritableTime((authenticatedAt as Date).getTime())) {
    throw new InvalidTokenError('The input states an authentication time outside 1970 to 9999.', { code: 'auth_time_out_of_range' });
  }
}
