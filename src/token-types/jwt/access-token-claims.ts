/** Reads the JWT output state: requested scopes, client id and custom claims, within what the instance allows. */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import type { AccessTokenConfig } from '../../realms/schema/access-token-config';
import { optionalString } from '../token-state-fields';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPES = 100;
const MAX_CUSTOM_CLAIMS = 100;

export interface RequestedAccessToken {
  readonly scopes: string[];
  readonly clientId?: string;
  readonly claims: Record<string, JsonValue>;
}

export function readAccessTokenRequest(state: Readonly<JsonObject>, config: AccessTokenConfig): RequestedAccessToken {
  return {
    scopes: requestedScopes(state.scope, config.allowed_scopes),
    clientId: requestedClientId(state, config.allowed_client_ids),
    claims: customClaims(state.claims, config.allowed_custom_claims),
  };
}

/**
 * `client_id`: the client the token is issued to. The caller is not authenticated as that client
 * here, so only a client the instance lists may be named (the token endpoint sets its own).
 */
function requestedClientId(state: Readonly<JsonObject>, allowed: readonly string[]): string | undefined {
  const clientId = optionalString(state, 'output_token_state', 'client_id', 256);
  if (clientId !== undefined && !allowed.includes(clientId)) {
    throw new InvalidRequestError(`This instance does not issue access tokens for the client ${JSON.stringify(clientId.slice(0, 64))} (access_token.allowed_client_ids).`, {
      code: 'client_id_not_allowed',
    });
  }
  return clientId;
}

/** `scope`: a space-delimited string or an array of scope-tokens, each one the instance allows. */
function requestedScopes(value: JsonValue | undefined, allowed: readonly string[]): string[] {
  if (value === undefined) return [];
  const scopes = typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES || !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    throw new InvalidRequestError('output_token_state.scope must be a space-delimited string or an array of scope names.', {
      code: 'invalid_scope',
    });
  }
  const refused = (scopes as string[]).filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw new InvalidRequestError(`This instance does not grant the scope ${JSON.stringify(refused[0].slice(0, 64))}.`, {
      code: 'invalid_scope',
    });
  }
  return [...new Set(scopes as string[])];
}

function customClaims(value: JsonValue | undefined, allowed: readonly string[]): Record<string, JsonValue> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('output_token_state.claims must be a JSON object.');
  }
  const names = Object.keys(value);
  if (names.length > MAX_CUSTOM_CLAIMS) throw new InvalidRequestError(`output_token_state.claims has more than ${MAX_CUSTOM_CLAIMS} claims.`);
  const refused = names.find((name) => !allowed.includes(name));
  if (refused !== undefined) {
    throw new InvalidRequestError(`This instance does not allow the claim ${JSON.stringify(refused.slice(0, 64))} in output_token_state.claims.`, {
      code: 'claim_not_allowed',
    });
  }
  return { ...value };
}
