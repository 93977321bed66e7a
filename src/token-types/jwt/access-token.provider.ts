/**
 * Output type JWT: an RFC 9068 access token, configured with PingFederate's JSON token
 * management options (`access_token:`), optionally encrypted (nested JWT).
 */
import { randomBase64url } from '../../common/random-identifier';
import { InvalidRequestError } from '../../errors/sts-errors';
import { encrypterFor, prepareEncryption } from '../../keys/encryption/encryption-setup';
import { signJwt } from '../../keys/jwt-signer';
import { signingKeyProblem } from '../../keys/signing-key-check';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import type {
  AuthenticatedClient,
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  IssuedTokenCheckParams,
  StsInstanceContext,
  TokenExchangeContext,
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

  async createToken({ principal, session, outputTokenState, realm, instance, exchange, client }: TokenProviderParams): Promise<IssuedToken> {
    const config = instance.settings.access_token!;
    // A token exchange may narrow the audience (checked against config.audience by the token endpoint).
    const audience = exchange?.audience ?? config.audience;
    const request = readAccessTokenRequest(outputTokenState, config);
    const clientId = issuedToClient(config, request.clientId, client, exchange);
    // The token endpoint decides the scopes itself (narrowed to what the subject token carries).
    const scopes = exchange?.scope ?? request.scopes;
    const now = Math.floor(Date.now() / 1000);
    const { exp: extension, ...mapped } = mapAttributes(config.claim_map, session?.attributes);
    const lifetime = Math.min(config.token_lifetime_minutes * 60 + lifetimeExtension(extension), config.max_token_lifetime_minutes * 60);
    const exp = now + lifetime;
    const claims: Record<string, JsonValue> = {
      ...request.claims,
      iss: issuerOf(instance)!,
      sub: principal,
      ...(audience.length > 0 && { aud: audience.length === 1 ? audience[0] : [...audience] }),
      iat: now,
      exp,
      jti: randomId(config.jti_length),
      ...(config.client_id_claim_name && clientId !== undefined && { [config.client_id_claim_name]: clientId }),
      ...(config.scope_claim_name && scopes.length > 0 && {
        [config.scope_claim_name]: config.space_delimit_scope ? scopes.join(' ') : [...scopes],
      }),
      ...(session && { auth_time: Math.floor(session.authenticatedAt.getTime() / 1000) }),
      ...mapped,
      // RFC 8705 section 3: bound to the certificate the client authenticated with over mutual TLS.
      ...(client?.certificateThumbprint && { cnf: { 'x5t#S256': client.certificateThumbprint } }),
      ...(exchange?.actor && { act: exchange.actor }),
    };
    checkRequiredClaims(claims, config);
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
      issuerMatches: (iss) => issuerMapped || iss === issuerOf(instance),
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
    problems.push(...requiredClaimProblems(instance));
    if (config.encryption) problems.push(...(await prepareEncryption(config.encryption, realm, 'access_token.encryption')));
    return problems;
  }
}

/** `iss`: access_token.issuer, else the instance's ID token issuer. */
function issuerOf(instance: StsInstanceContext): string | undefined {
  return instance.settings.access_token?.issuer ?? instance.settings.oidc?.issuer;
}

/**
 * RFC 9068 section 2.2 requires iss, aud and client_id: the configuration must always have a value
 * for them, or (client_id) a way for each request to name or authenticate one. (exp, sub, iat and
 * jti the STS always writes.)
 */
function requiredClaimProblems(instance: StsInstanceContext): ConfigurationProblem[] {
  const settings = instance.settings;
  const config = settings.access_token!;
  const problems: ConfigurationProblem[] = [];
  if (issuerOf(instance) === undefined) {
    problems.push({
      path: 'access_token.issuer',
      message: 'missing; access tokens always carry iss (RFC 9068): set access_token.issuer, or oidc.issuer, which it defaults to',
    });
  }
  if (config.audience.length === 0 && !Object.hasOwn(config.claim_map, 'aud')) {
    problems.push({ path: 'access_token.audience', message: 'missing; access tokens always carry aud (RFC 9068): name the resource servers they are for' });
  }
  // The token endpoint always authenticates its client; translate only with translate_client_authentication.
  const everyRequestHasClient = settings.translate_client_authentication === 'required';
  if (config.client_id_claim_name && config.client_id === undefined && config.allowed_client_ids.length === 0 && !everyRequestHasClient) {
    problems.push({
      path: 'access_token.client_id',
      message:
        'missing; access tokens always carry client_id (RFC 9068): set access_token.client_id, the client of translate requests ' +
        'that authenticate none and name none (or list the clients they may name in allowed_client_ids, or authenticate every ' +
        'one with translate_client_authentication: required)',
    });
  }
  return problems;
}

/**
 * The client the token is issued to: the client the request authenticated (the token endpoint's
 * always), else the one a translate request names among allowed_client_ids (checked by
 * readAccessTokenRequest), else the instance's configured client_id.
 */
function issuedToClient(
  config: AccessTokenConfig,
  requested: string | undefined,
  client: AuthenticatedClient | undefined,
  exchange: TokenExchangeContext | undefined,
): string | undefined {
  if (client && requested !== undefined && requested !== client.id) {
    throw new InvalidRequestError(
      `The request authenticated as the client ${JSON.stringify(client.id)}; output_token_state.client_id cannot name another client.`,
      { code: 'client_id_not_allowed' },
    );
  }
  return client?.id ?? exchange?.clientId ?? requested ?? config.client_id;
}

/**
 * The claims RFC 9068 requires, as they came out with claim_map applied: a mapping may override
 * iss, aud and the client id, and an attribute the principal lacks (or of the wrong type) must
 * not produce a token without them.
 */
function checkRequiredClaims(claims: Readonly<Record<string, JsonValue>>, config: AccessTokenConfig): void {
  const mapped = (claim: string, what: string) =>
    Object.hasOwn(config.claim_map, claim)
      ? ` (claim_map maps it from the attribute ${JSON.stringify(config.claim_map[claim])}, which the principal lacks or which is not ${what})`
      : '';
  if (!isNonEmptyString(claims.iss)) {
    throw claimMissing(`The access token would have no valid iss${mapped('iss', 'a non-empty string')}.`);
  }
  const aud = claims.aud;
  if (!(isNonEmptyString(aud) || (Array.isArray(aud) && aud.length > 0 && aud.every(isNonEmptyString)))) {
    const fallback = config.audience.length === 0 ? ', and access_token.audience names none' : '';
    throw claimMissing(`The access token would have no valid aud${mapped('aud', 'a string or a list of strings')}${fallback}.`);
  }
  const clientClaim = config.client_id_claim_name;
  if (!clientClaim || isNonEmptyString(claims[clientClaim])) return;
  if (claims[clientClaim] === undefined && !Object.hasOwn(config.claim_map, clientClaim)) {
    const how = config.allowed_client_ids.length > 0
      ? 'name one of access_token.allowed_client_ids in output_token_state.client_id'
      : 'it issues them only to a client that authenticates (as at its token endpoint)';
    throw new InvalidRequestError(`This instance has no default client for its access tokens (access_token.client_id): ${how}.`, { code: 'client_id_required' });
  }
  throw claimMissing(`The access token would have no valid ${clientClaim}${mapped(clientClaim, 'a non-empty string')}.`);
}

function claimMissing(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'access_token_claim_missing' });
}

function isNonEmptyString(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && value.length > 0;
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
  return randomBase64url(Math.ceil((length * 3) / 4)).slice(0, length);
}
