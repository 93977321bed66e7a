/**
 * Output type JWT: an RFC 9068 access token, configured with PingFederate's JSON token
 * management options (`access_token:`), optionally encrypted (nested JWT).
 */
import { randomBytes } from 'node:crypto';
import { encrypterFor, prepareEncryption } from '../../keys/encryption/encryption-setup';
import { signJwt } from '../../keys/jwt-signer';
import { signingKeyProblem } from '../../keys/signing-key-check';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  IssuedTokenCheckParams,
  StsInstanceContext,
  TokenProvider,
  TokenProviderParams,
} from '../../plugin-api/token-contract';
import type { AccessTokenConfig } from '../../realms/schema/access-token-config';
import { mapAttributes } from '../claim-mapping';
import { verifyIssuedJwt } from '../issued-jwt-verification';
import { readAccessTokenRequest } from './access-token-claims';
import { accessTokenIntrospectionClaims } from './access-token-introspection';

/** Set by the STS alone: neither `claim_map` nor a request's custom claims may touch them. */
const STS_CLAIMS = ['sub', 'iat', 'nbf', 'jti', 'auth_time', 'cnf', 'act', 'may_act'];
/** PingFederate's attribute contract: a mapping of these overrides the configured value. */
const OVERRIDABLE = ['iss', 'aud'];

export class AccessTokenProvider implements TokenProvider {
  /** The field of validated_token_state / cancelled_token_state carrying a JWT access token. */
  readonly issuedTokenField = 'jwt';

  checkOutputTokenState(state: Readonly<JsonObject>, instance: StsInstanceContext): void {
    readAccessTokenRequest(state, instance.settings.access_token!);
  }

  async createToken({ principal, session, outputTokenState, realm, instance, exchange }: TokenProviderParams): Promise<IssuedToken> {
    const config = instance.settings.access_token!;
    // A token exchange may narrow the audience (checked against config.audience by the token endpoint).
    const audience = exchange?.audience ?? config.audience;
    const request = readAccessTokenRequest(outputTokenState, config);
    // The token endpoint decides client and scopes itself (the authenticated client, the narrowed scopes).
    const clientId = exchange?.clientId ?? request.clientId;
    const scopes = exchange?.scope ?? request.scopes;
    const now = Math.floor(Date.now() / 1000);
    const { exp: extension, ...mapped } = mapAttributes(config.claim_map, session?.attributes);
    const lifetime = Math.min(config.token_lifetime_minutes * 60 + lifetimeExtension(extension), config.max_token_lifetime_minutes * 60);
    const exp = now + lifetime;
    const claims: Record<string, JsonValue> = {
      ...request.claims,
      ...(config.issuer && { iss: config.issuer }),
      sub: principal,
      ...(audience.length > 0 && { aud: audience.length === 1 ? audience[0] : [...audience] }),
      iat: now,
      exp,
      ...(config.jti_length > 0 && { jti: randomId(config.jti_length) }),
      ...(config.client_id_claim_name && clientId !== undefined && { [config.client_id_claim_name]: clientId }),
      ...(config.scope_claim_name && scopes.length > 0 && {
        [config.scope_claim_name]: config.space_delimit_scope ? scopes.join(' ') : [...scopes],
      }),
      ...(session && { auth_time: Math.floor(session.authenticatedAt.getTime() / 1000) }),
      ...mapped,
      ...(exchange?.actor && { act: exchange.actor }),
    };
    const signed = await signJwt(claims, config.signature_algorithm, realm.keys.get(config.signing_key)!, {
      typ: config.typ,
      includeKid: config.include_kid,
      includeX5t: config.include_x5t,
    });
    return {
      token: config.encryption ? await encrypterFor(config.encryption).encrypt(signed) : signed,
      expiresAt: new Date(exp * 1000),
      introspectionClaims: accessTokenIntrospectionClaims(claims, config, clientId),
    };
  }

  verifyIssuedToken({ token, realm, instance }: IssuedTokenCheckParams): Promise<boolean> {
    const config = instance.settings.access_token;
    if (!config) return Promise.resolve(false);
    // A claim_map entry for `iss` overrides the configured issuer per token (PingFederate).
    const issuerMapped = Object.hasOwn(config.claim_map, 'iss');
    return verifyIssuedJwt(token, realm, {
      signingKey: config.signing_key,
      encryption: config.encryption,
      issuerMatches: (iss) => issuerMapped || iss === (config.issuer || undefined),
    });
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const config = instance.settings.access_token;
    if (!config) return [{ path: 'access_token', message: 'missing; JWT output needs an access_token section' }];
    const problems: ConfigurationProblem[] = [];
    const keyProblem = signingKeyProblem(config.signature_algorithm, config.signing_key, realm, config.include_x5t);
    if (keyProblem) problems.push({ path: 'access_token.signing_key', message: keyProblem });
    const protectedClaims = stsClaims(config);
    for (const claim of Object.keys(config.claim_map)) {
      if (protectedClaims.has(claim) && !OVERRIDABLE.includes(claim) && !isNamedClaim(config, claim)) {
        problems.push({ path: `access_token.claim_map.${claim}`, message: `"${claim}" is set by the STS and cannot be mapped` });
      }
    }
    config.allowed_custom_claims.forEach((claim, index) => {
      if (protectedClaims.has(claim)) {
        problems.push({ path: `access_token.allowed_custom_claims[${index}]`, message: `"${claim}" is set by the STS; a request cannot supply it` });
      }
    });
    if (config.max_token_lifetime_minutes < config.token_lifetime_minutes) {
      problems.push({
        path: 'access_token.max_token_lifetime_minutes',
        message: `${config.max_token_lifetime_minutes} is shorter than token_lifetime_minutes (${config.token_lifetime_minutes}); raise it to at least that`,
      });
    }
    if (config.encryption) problems.push(...(await prepareEncryption(config.encryption, realm, 'access_token.encryption')));
    return problems;
  }
}

/** Every claim the STS writes itself for this configuration. */
function stsClaims(config: AccessTokenConfig): Set<string> {
  return new Set([...STS_CLAIMS, ...OVERRIDABLE, 'exp', config.client_id_claim_name, config.scope_claim_name].filter(Boolean));
}

/** The client id and scope claims may be mapped (the mapping overrides the request), as in PingFederate. */
function isNamedClaim(config: AccessTokenConfig, claim: string): boolean {
  return claim === 'exp' || claim === config.client_id_claim_name || claim === config.scope_claim_name;
}

/**
 * A mapped `exp` extends the lifetime by that many seconds (PingFederate's attribute contract);
 * the caller cuts the sum to max_token_lifetime_minutes, so 1e308 is as good as a day.
 */
function lifetimeExtension(value: JsonValue | undefined): number {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
}

function randomId(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length);
}
