/**
 * Validates a JWT from another issuer (input types OPENIDCONNECT and JWT), in this order so a
 * hostile token costs as little as possible: size and shape, duplicate members, header (alg
 * allow-list, crit, typ) for the claimed issuer, the issuer's keys by kid, the signature (unless
 * the verified-input cache vouches for it), then the claims of the signed payload
 * (no access-token markers in an ID token), and last the one-time-use jti.
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import type { ConfigurationCheckContext, ConfigurationProblem, TokenValidationResult, TokenValidatorParams } from '../../plugin-api/token-contract';
import { checkNotAccessToken } from './access-token-markers';
import { decodeCompactJwt, type JsonRecord } from './compact-jwt';
import { checkAudience, checkRequiredClaims, checkSubject, checkTimes, type CheckedTimes } from './jwt-claims-checks';
import { checkAlgorithm, checkNoCrit, checkTyp, type JwtInputKind } from './jwt-header-checks';
import { jwtRejected, quoted } from './jwt-input-errors';
import { verifyWithIssuerKeys } from './signature-verification';
import { prepareTrustedIssuers, trustedIssuer } from './trusted-issuers';
import { verifiedTokens } from './verified-token-cache';

/** Without exp (validate_expiration: false), a one-time jti is remembered this long. */
const JTI_MEMORY_WITHOUT_EXP_MS = 24 * 60 * 60 * 1000;

export async function validateInputJwt(params: TokenValidatorParams, field: string, kind: JwtInputKind): Promise<TokenValidationResult> {
  // checkConfiguration guarantees the block for instances that accept these input types.
  const config = params.instance.settings.oidc_validation!;
  const token = params.inputTokenState[field];
  if (typeof token !== 'string' || token.length === 0) {
    throw new InvalidRequestError(`input_token_state.${field} is required and must be a non-empty string.`);
  }
  const { header, unverifiedPayload } = decodeCompactJwt(token, { maxBytes: config.max_token_bytes, maxClaims: config.max_claims });
  checkNoCrit(header);
  const iss = unverifiedPayload.iss;
  const issuer = typeof iss === 'string' ? trustedIssuer(config, iss) : undefined;
  if (!issuer) throw jwtRejected('jwt_untrusted_issuer', `The JWT issuer ${quoted(iss ?? '(none)')} is not trusted.`);
  const alg = checkAlgorithm(header, issuer.config.algorithms);
  checkTyp(header, kind, issuer.config.allowed_typ);
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') throw jwtRejected('jwt_key_not_found', 'The JWT kid header is not a string.');

  const candidates = await issuer.keysFor(kid);
  // A one-time token is verified every time: its replay check must not be the only check left.
  const cache = config.cache_verified_tokens && !config.one_time_use ? verifiedTokens : undefined;
  const cachedKey = cache?.verifiedKey(config, token, candidates, Date.now());
  const key = cachedKey ?? (await verifyWithIssuerKeys(token, alg, kid, candidates));
  // The signature covers the very payload segment decodeCompactJwt parsed (the same characters of
  // the same token string), and only its iss was read since: those claims are the signed ones.
  // Parsing the segment again cost as much as the first parse and could not give another answer.
  const claims = unverifiedPayload;

  if (kind === 'id_token' && !issuer.config.ignore_access_token_markers) checkNotAccessToken(claims);

  const now = Date.now();
  const times = checkTimes(claims, config, now);
  checkAudience(claims, issuer.config);
  const sub = checkSubject(claims, issuer.config);
  checkRequiredClaims(claims, config.required_claims);
  if (config.one_time_use) await spendJti(params, claims, iss as string, times.expiresAt, config.clock_skew_seconds * 1000, now);
  // Only a token that passed every check, and only until its exp.
  if (cache && !cachedKey && times.expiresAt !== undefined) cache.remember(config, token, key, times.expiresAt);
  return { principal: sub, issuer: iss as string, session: sessionOf(claims, times, now) };
}

/** jti values are unique per issuer only; a store outage rejects with a 503, passed on as is. */
async function spendJti(params: TokenValidatorParams, claims: JsonRecord, iss: string, expiresAt: number | undefined, skew: number, now: number): Promise<void> {
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti.length === 0) throw jwtRejected('jwt_missing_claim', 'The JWT has no jti claim, which one-time use needs.');
  const until = expiresAt === undefined ? now + JTI_MEMORY_WITHOUT_EXP_MS : expiresAt + skew;
  if (!(await params.replayGuard.firstUse(`${iss}\u0000${jti}`, new Date(until)))) {
    throw jwtRejected('jwt_replayed', 'This JWT has already been used.');
  }
}

function sessionOf(claims: JsonRecord, times: CheckedTimes, now: number) {
  const { amr, acr } = claims;
  return {
    authenticatedAt: new Date(times.authenticatedAt ?? times.issuedAt ?? now),
    authenticationMethods: Array.isArray(amr) && amr.every((m) => typeof m === 'string') ? (amr as string[]) : [],
    ...(typeof acr === 'string' && acr !== '' && { acr }),
    // The verified claims, so claim_map / attribute_map can carry them into the issued token.
    attributes: claims as Record<string, JsonValue>,
  };
}

export async function checkInputJwtConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
  const config = instance.settings.oidc_validation;
  if (!config) return [{ path: 'oidc_validation', message: 'missing; OPENIDCONNECT and JWT input need an oidc_validation section' }];
  return prepareTrustedIssuers(config, realm.configDir, 'oidc_validation', realm.keys);
}
