/**
 * The one place that turns an input token into an output token: resolve the validator and the
 * token provider for the two types, refuse what the instance does not allow, validate, provide.
 * A failure inside a validator or token provider becomes a typed StsError, never a token.
 */
import { InternalStsError, InvalidRequestError, isStsError, ServiceUnavailableError, StsError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import type { StsRequestContext, TokenValidationResult } from '../plugin-api/token-contract';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { Resolution, TokenTypeRegistry } from './token-type-registry';

export interface TranslateRequest {
  readonly target: LoadedInstance;
  readonly inputTokenState: JsonObject;
  readonly outputTokenState: JsonObject;
  readonly request: StsRequestContext;
}

export class TokenDispatcher {
  constructor(
    private readonly registry: TokenTypeRegistry,
    /** How long a validator or token provider may take before the request gets a 504. */
    private readonly timeoutMs = 10_000,
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

    const result = await this.guarded('token_validation_failed', () =>
      validator.validateToken({ inputTokenType, inputTokenState, realm, instance, request }),
    );
    checkValidationResult(result);

    const token = await this.guarded('token_issuance_failed', () =>
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
    if (typeof token !== 'string' || token.length === 0) {
      throw new InternalStsError('The token provider returned no token.', { code: 'token_issuance_failed' });
    }
    return token;
  }

  /**
   * StsErrors pass through; anything else is a fault of the validator or token provider and
   * becomes a 500. One that does not settle in time becomes a 504; its late answer is dropped.
   */
  private async guarded<T>(code: string, work: () => T | Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = work();
      if (!isThenable(result)) return result;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StsError(504, 'token_processing_timeout', 'The token could not be processed in time.')),
          this.timeoutMs,
        );
      });
      return await Promise.race([Promise.resolve(result), timeout]);
    } catch (error) {
      if (isStsError(error)) throw error;
      throw new InternalStsError('The token could not be processed.', { code, cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

function tokenTypeOf(state: JsonObject, field: string): string {
  const type = state.token_type;
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidRequestError(`${field}.token_type is required and must be a string.`);
  }
  return type;
}

function ready<T>(resolution: Resolution<T>, tokenType: string): T {
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

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}
