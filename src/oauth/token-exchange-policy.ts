/**
 * What a token exchange may ask for: audiences and scopes only ever narrow what the instance
 * issues for the output type, and an actor acts for a subject only where the subject token's
 * `may_act` or the instance's `token_exchange.allowed_actors` permits it (RFC 8693 section 4).
 */
import type { JsonObject, JsonValue } from '../plugin-api/json';
import type { InstanceSettings } from '../plugin-api/settings';
import type { TokenValidationResult } from '../plugin-api/token-contract';
import { TokenExchangeError } from './token-exchange-error';

/** The audiences the instance issues this output type for; a request may only pick among them. */
export function configuredAudiencesOf(outputType: string, settings: InstanceSettings): readonly string[] {
  switch (outputType) {
    case 'JWT':
      return settings.access_token?.audience ?? [];
    case 'OPENIDCONNECT':
      return settings.oidc?.audience ?? [];
    case 'SAML2':
      return settings.saml2 ? [settings.saml2.sp_entity_id] : [];
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
 * The scopes the issued access token carries: those requested, all within `allowed_scopes`; without
 * a request, all of `allowed_scopes`. Only access tokens (JWT) carry scopes.
 */
export function grantedScopes(requested: readonly string[] | undefined, outputType: string, settings: InstanceSettings): string[] {
  if (outputType !== 'JWT') {
    if (requested) throw new TokenExchangeError('invalid_scope', 'Only access tokens carry a scope; this requested_token_type does not.');
    return [];
  }
  const allowed = settings.access_token?.allowed_scopes ?? [];
  if (!requested) return [...allowed];
  const refused = requested.find((scope) => !allowed.includes(scope));
  if (refused !== undefined) throw new TokenExchangeError('invalid_scope', `This instance does not grant the scope ${JSON.stringify(refused.slice(0, 64))}.`);
  return [...requested];
}

/**
 * The RFC 8693 section 4.1 `act` claim for this actor acting for this subject: the actor, with the
 * subject token's own `act` (earlier delegation) nested inside. Refused unless permitted.
 */
export function actClaimOf(subject: TokenValidationResult, actor: TokenValidationResult, allowedActors: readonly string[]): JsonObject {
  const actorIssuer = issuerOf(actor);
  if (!mayActPermits(subject, actor.principal, actorIssuer) && !allowedActors.includes(actor.principal)) {
    // Section 2.2.2: a token unacceptable by policy is invalid_request.
    throw new TokenExchangeError('invalid_request', 'The actor is not permitted to act for this subject (may_act).');
  }
  const earlier = objectOf(subject.session?.attributes.act);
  return { sub: actor.principal, ...(actorIssuer !== undefined && { iss: actorIssuer }), ...(earlier && { act: earlier }) };
}

/** Section 4.4: `may_act` names the party allowed to act; its `iss`, when present, must match too. */
function mayActPermits(subject: TokenValidationResult, actorPrincipal: string, actorIssuer: string | undefined): boolean {
  const mayAct = objectOf(subject.session?.attributes.may_act);
  if (!mayAct || mayAct.sub !== actorPrincipal) return false;
  return mayAct.iss === undefined || mayAct.iss === actorIssuer;
}

/** The issuer a validator reported: a JWT's `iss` claim, or a SAML assertion's issuer. */
function issuerOf(result: TokenValidationResult): string | undefined {
  const attributes = result.session?.attributes;
  const issuer = attributes?.iss ?? attributes?.saml_issuer;
  return typeof issuer === 'string' ? issuer : undefined;
}

function objectOf(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}
