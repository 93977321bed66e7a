/**
 * What a token exchange may ask for: audiences and scopes only ever narrow what the instance
 * issues for the output type (and scopes what the subject token carries), and an actor acts for a
 * subject only where the subject token's `may_act` or the instance's
 * `token_exchange.allowed_actors` permits it (RFC 8693 section 4).
 */
import type { JsonObject, JsonValue } from '../plugin-api/json';
import type { InstanceSettings } from '../plugin-api/settings';
import type { TokenValidationResult } from '../plugin-api/token-contract';
import { spEntityIdOf } from '../token-types/saml2/service-provider';
import { TokenExchangeError } from './token-exchange-error';

/** The audiences the instance issues this output type for; a request may only pick among them. */
export function configuredAudiencesOf(outputType: string, settings: InstanceSettings): readonly string[] {
  switch (outputType) {
    case 'JWT':
      return settings.access_token?.audience ?? [];
    case 'OPENIDCONNECT':
      return settings.oidc?.audience ?? [];
    case 'SAML2':
      return settings.saml2 ? [spEntityIdOf(settings.saml2)].filter((id): id is string => id !== undefined) : [];
    default:
      return []; // a plugin's audience is its own business: no narrowing to offer
  }
}

/** The narrowed audience, or undefined (the configured one) when the request names none. */
export function narrowedAudience(targets: readonly string[], configured: readonly string[]): string[] | undefined {
  if (targets.length === 0) return undefined;
  const refused = targets.find((target) => !configured.includes(target));
  if (refused !== undefined) {
    throw new TokenExchangeError('invalid_target', `This instance does not issue tokens for ${JSON.stringify(refused.slice(0, 100))}.`);
  }
  return [...targets];
}

/**
 * The scopes a request may ask for, checked before anything is validated: all within
 * `allowed_scopes`, and only for access tokens (JWT), the one output that carries scopes.
 * Undefined when the request names none.
 */
export function requestedScopes(requested: readonly string[] | undefined, outputType: string, settings: InstanceSettings): string[] | undefined {
  if (outputType !== 'JWT') {
    if (requested) throw new TokenExchangeError('invalid_scope', 'Only access tokens carry a scope; this requested_token_type does not.');
    return undefined;
  }
  const allowed = settings.access_token?.allowed_scopes ?? [];
  const refused = requested?.find((scope) => !allowed.includes(scope));
  if (refused !== undefined) throw new TokenExchangeError('invalid_scope', `This instance does not grant the scope ${JSON.stringify(refused.slice(0, 64))}.`);
  return requested && [...requested];
}

/**
 * The scopes the issued access token carries. A subject token that carries a scope (`scope` or
 * `scp`) bounds them: a request for more is invalid_scope, no request gets the subject's scopes
 * within `allowed_scopes`. A subject without a scope, or `allow_scope_widening`, leaves only
 * `allowed_scopes` as the bound (all of them when the request names none).
 */
export function grantedScopes(requested: readonly string[] | undefined, outputType: string, settings: InstanceSettings, subject: TokenValidationResult): string[] {
  if (outputType !== 'JWT') return [];
  const allowed = settings.access_token?.allowed_scopes ?? [];
  const held = settings.token_exchange?.allow_scope_widening ? undefined : scopesOf(subject);
  if (held === undefined) return requested ? [...requested] : [...allowed];
  if (!requested) return allowed.filter((scope) => held.includes(scope));
  const beyond = requested.find((scope) => !held.includes(scope));
  if (beyond !== undefined) {
    throw new TokenExchangeError('invalid_scope', `The subject token does not carry the scope ${JSON.stringify(beyond.slice(0, 64))}; an exchange cannot widen it.`);
  }
  return [...requested];
}

/**
 * The scopes a validated subject token carries (`scope` as a space-delimited string or an array,
 * or `scp`), or undefined when it states none. A scope claim of another shape carries nothing.
 */
function scopesOf(subject: TokenValidationResult): string[] | undefined {
  const attributes = subject.session?.attributes;
  if (!attributes) return undefined;
  const value = Object.hasOwn(attributes, 'scope') ? attributes.scope : Object.hasOwn(attributes, 'scp') ? attributes.scp : undefined;
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((scope): scope is string => typeof scope === 'string') : [];
}

/**
 * The RFC 8693 section 4.1 `act` claim for this actor acting for this subject: the actor, with the
 * subject token's own `act` (earlier delegation) nested inside. Refused unless permitted.
 */
export function actClaimOf(subject: TokenValidationResult, actor: TokenValidationResult, allowedActors: readonly string[]): JsonObject {
  if (!mayActPermits(subject, actor) && !allowedActors.includes(actor.principal)) {
    // Section 2.2.2: a token unacceptable by policy is invalid_request.
    throw new TokenExchangeError('invalid_request', 'The actor is not permitted to act for this subject (may_act).');
  }
  const earlier = objectOf(subject.session?.attributes.act);
  return { sub: actor.principal, ...(actor.issuer !== undefined && { iss: actor.issuer }), ...(earlier && { act: earlier }) };
}

/**
 * Section 4.4: `may_act` names the party allowed to act. The actor's issuer is only ever the one
 * its validator verified (never a claim or attribute called `iss`): it must equal `may_act.iss`,
 * or, without one, the subject token's own verified issuer.
 */
function mayActPermits(subject: TokenValidationResult, actor: TokenValidationResult): boolean {
  const mayAct = objectOf(subject.session?.attributes.may_act);
  if (!mayAct || mayAct.sub !== actor.principal) return false;
  return actor.issuer === (mayAct.iss === undefined ? subject.issuer : mayAct.iss);
}

function objectOf(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}
