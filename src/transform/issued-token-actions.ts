/**
 * `_action=validate` and `_action=cancel` (PingAM REST STS): the token state names the type and
 * carries the token under that type's field (`oidc_id_token`, `saml2_token`, ...). Only instances
 * that persist issued tokens answer; validate never consumes anything (no replay entry, no use).
 */
import { ConflictError, InvalidRequestError, isStsError } from '../errors/sts-errors';
import type { JsonObject } from '../plugin-api/json';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { AuditEvent, AuditLog } from '../logging/audit-log';
import type { IssuedTokens } from '../tokens/issued-tokens';
import { tokenHash } from '../tokens/token-hash';
import { requiredString } from '../token-types/token-state-fields';
import type { TokenTypeRegistry } from './token-type-registry';
import { TokenDetails, type TokenDetailsQuery } from './token-details/token-details';

/** Issued tokens are bounded by the request body limit; this only bounds what is hashed. */
const MAX_TOKEN_LENGTH = 16 * 1024 * 1024;

type Caller = Pick<AuditEvent, 'request_id' | 'remote_address'>;

export interface ValidateAnswer {
  readonly token_valid: boolean;
  readonly principal?: string;
}

export class IssuedTokenActions {
  private readonly tokenDetails: TokenDetails;

  constructor(
    private readonly registry: TokenTypeRegistry,
    private readonly issuedTokens: IssuedTokens,
    private readonly audit?: AuditLog,
    /** How long a provider's verifyIssuedToken may take (token details). */
    timeoutMs = 10_000,
  ) {
    this.tokenDetails = new TokenDetails(registry, issuedTokens, timeoutMs);
  }

  /** `_action=token_details`: verifies a token this instance issued and answers what it carries. */
  details(target: LoadedInstance, query: TokenDetailsQuery): Promise<JsonObject> {
    return this.tokenDetails.details(target, query);
  }

  /** `caller`: the request's id and address for the audit line. */
  async validate(target: LoadedInstance, state: JsonObject, caller: Caller = {}): Promise<ValidateAnswer> {
    const { tokenType, token } = this.tokenOf(target, state, 'validated_token_state');
    const record = await this.issuedTokens.lookup(target, token, tokenType);
    this.audit?.record({ action: 'validate', outcome: record ? 'success' : 'failure', instance: target.instance.path, output_type: tokenType, principal: record?.principal, token_hash: tokenHash(token), ...caller });
    return record ? { token_valid: true, principal: record.principal } : { token_valid: false };
  }

  /** `clientId`: the authenticated client, where the instance requires one; it cancels only its own tokens. */
  async cancel(target: LoadedInstance, state: JsonObject, caller: Caller = {}, clientId?: string): Promise<{ result: string }> {
    const { tokenType, token } = this.tokenOf(target, state, 'cancelled_token_state');
    const audited = { action: 'cancel', instance: target.instance.path, output_type: tokenType, token_hash: tokenHash(token), ...(clientId !== undefined && { client_id: clientId }), ...caller } as const;
    let cancelled: boolean;
    try {
      cancelled = await this.issuedTokens.forget(target, token, { tokenType, clientId });
    } catch (error) {
      this.audit?.record({ ...audited, outcome: 'failure', ...(isStsError(error) && { error: error.code }) });
      throw error;
    }
    this.audit?.record({ ...audited, outcome: cancelled ? 'success' : 'failure' });
    // Idempotent: a token that is already cancelled, expired or unknown is just as unusable.
    return { result: cancelled ? `${tokenType} token cancelled successfully.` : `No valid ${tokenType} token matched; nothing to cancel.` };
  }

  private tokenOf(target: LoadedInstance, state: JsonObject, stateName: string): { tokenType: string; token: string } {
    const { instance } = target;
    if (!instance.settings.persist_issued_tokens) {
      throw new ConflictError(`Instance ${instance.path} does not persist issued tokens, so it cannot validate or cancel them.`, {
        code: 'token_persistence_disabled',
      });
    }
    const tokenType = requiredString(state, stateName, 'token_type', 64);
    const resolution = this.registry.resolveProvider(instance.settings, tokenType);
    if (resolution.status === 'unknown') {
      const issued = target.tokenTypes('output').join(', ');
      throw new InvalidRequestError(`${stateName}.token_type ${JSON.stringify(tokenType)} is not a type this STS issues; instance ${instance.path} issues ${issued}.`, {
        code: 'unknown_token_type',
      });
    }
    // An unavailable plugin still has a field name we cannot learn: `token` is the default.
    const field = resolution.status === 'ready' ? (resolution.handler.issuedTokenField ?? 'token') : 'token';
    return { tokenType, token: requiredString(state, stateName, field, MAX_TOKEN_LENGTH) };
  }
}
