/**
 * The one place that turns an input token into an output token: resolve the validator and the
 * token provider for the two types, refuse what the instance does not allow, validate, provide.
 * A failure inside a validator or token provider becomes a typed StsError, never a token.
 */
import { InternalStsError, InvalidRequestError, ServiceUnavailableError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import type { IssuedToken, ReplayGuard, StsRequestContext, TokenValidationResult } from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { IssuedTokens } from '../tokens/issued-tokens';
import { guardedCall } from './guarded-call';
import type { Resolution, TokenTypeRegistry } from './token-type-registry';

export interface TranslateRequest {
  readonly target: LoadedInstance;
  readonly inputTokenState: JsonObject;
  readonly outputTokenState: JsonObject;
  readonly request: StsRequestContext;
}

export interface TokenDispatcherOptions {
  /** How long a validator or token provider may take before the request gets a 504. */
  readonly timeoutMs: number;
  /** The replay cache handed to validators, per instance and input token type. */
  readonly replayGuardFor: (instancePath: string, inputTokenType: string) => ReplayGuard;
  /** Where instances with `persist_issued_tokens` record what they issue. */
  readonly issuedTokens?: IssuedTokens;
}

export class TokenDispatcher {
  constructor(
    private readonly registry: TokenTypeRegistry,
    private readonly options: TokenDispatcherOptions,
  ) {}

  async translate({ target, inputTokenState, outputTokenState, request }: TranslateRequest): Promise<string> {
    const { realm, instance } = target;
    const inputTokenType = tokenTypeOf(inputTokenState, 'input_token_state');
    const outputTokenType = tokenTypeOf(outputTokenState, 'output_token_state');
    const validator = ready(this.registry.resolveValidator(instance.settings, inputTokenType), inputTokenType);
    const provider = ready(this.registry.resolveProvider(instance.settings, outputTokenType), outputTokenType);
    if (!target.supportsTransform(inputTokenType, outputTokenType)) {
      throw new InvalidRequestError(`Instance ${instance.path} does not support the transform ${inputTokenType} -> ${outputTokenType}.`, {
        code: 'unsupported_transform',
      });
    }
    await this.guarded('token_issuance_failed', () => provider.checkOutputTokenState?.(outputTokenState, instance));

    const replayGuard = this.options.replayGuardFor(instance.path, inputTokenType);
    const result = await this.guarded('token_validation_failed', () =>
      validator.validateToken({ inputTokenType, inputTokenState, realm, instance, request, replayGuard }),
    );
    checkValidationResult(result);

    const created = await this.guarded('token_issuance_failed', () =>
      provider.createToken({
        principal: result.principal,
        session: result.session,
        additionalState: result.additionalState,
        inputTokenType,
        inputTokenState,
        outputTokenType,
        outputTokenState,
        realm,
        instance,
      }),
    );
    const issued = issuedTokenOf(created);
    if (instance.settings.persist_issued_tokens) {
      if (!this.options.issuedTokens) throw new InternalStsError('No token store is configured.', { code: 'token_store_missing' });
      // Recorded before the answer: a token the client holds is always one the store knows.
      await this.options.issuedTokens.record(target, outputTokenType, result.principal, issued);
    }
    return issued.token;
  }

  private guarded<T>(code: string, work: () => T | Promise<T>): Promise<T> {
    return guardedCall(this.options.timeoutMs, code, work);
  }
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

function tokenTypeOf(state: JsonObject, field: string): string {
  const type = state.token_type;
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidRequestError(`${field}.token_type is required and must be a string.`);
  }
  return type;
}

export function ready<T>(resolution: Resolution<T>, tokenType: string): T {
  switch (resolution.status) {
    case 'ready':
      return resolution.handler;
    case 'unavailable':
      throw new ServiceUnavailableError(`The plugin "${resolution.plugin}" that handles ${tokenType} tokens is not available.`, {
        code: 'plugin_unavailable',
      });
    case 'unknown':
      throw new InvalidRequestError(`Unknown token type "${tokenType.slice(0, 64)}".`, { code: 'unknown_token_type' });
  }
}

function checkValidationResult(result: TokenValidationResult): void {
  if (typeof result?.principal !== 'string' || result.principal.length === 0) {
    throw new InternalStsError('The token validator returned no principal.', { code: 'token_validation_failed' });
  }
}
