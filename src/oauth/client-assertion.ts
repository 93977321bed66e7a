/**
 * `private_key_jwt` (RFC 7523 section 2.2, 3): a JWT the client signs with its private key. Checked
 * in the order that makes a hostile assertion cheapest: size and shape (no duplicate members, as
 * for input JWTs), the algorithm against the client's allow-list (asymmetric only: never `none`,
 * never HS*, so a public key can never serve as an HMAC secret), the signature by jose with the
 * client's registered keys, then the claims from the verified bytes: `iss` = `sub` = the client,
 * `aud` naming this server, `exp` required and at most five minutes ahead, `jti` required, and
 * last the `jti` spent in the deployment's replay cache (so an unsigned assertion spends nothing).
 */
import { isWritableTime } from '../common/writable-time';
import { isStsError } from '../errors/sts-errors';
import type { ReplayGuard } from '../plugin-api/token-contract';
import { decodeCompactJwt, parseJsonObject, type JsonRecord } from '../token-types/jwt-input/compact-jwt';
import { checkNoCrit } from '../token-types/jwt-input/jwt-header-checks';
import { quoted } from '../token-types/jwt-input/jwt-input-errors';
import { verifySignature } from '../token-types/jwt-input/signature-verification';
import type { AssertionKeys } from './client-key-material';
import { InvalidClientError } from './oauth-errors';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Assertions are small; anything longer is refused before it is decoded. */
const MAX_ASSERTION_BYTES = 8 * 1024;
const MAX_CLAIMS = 50;
/** An assertion is for one request now: it may not be valid for longer than this from now. */
export const MAX_ASSERTION_LIFETIME_MS = 5 * 60_000;
/** Tolerated difference between the client's clock and ours. */
const CLOCK_SKEW_MS = 30_000;
const MAX_JTI_LENGTH = 256;

/** Why an assertion is refused; always 401 invalid_client (RFC 6749 section 5.2). */
function refused(reason: string): InvalidClientError {
  return new InvalidClientError(`The client assertion was refused: ${reason}.`);
}

/**
 * The `iss` of an assertion before anything is verified: who claims to have signed it, to find
 * the client's keys when the request names no client_id. Refuses an assertion that cannot be
 * read or names no issuer.
 */
export function claimedIssuerOf(assertion: string): string {
  const { unverifiedPayload } = readable(() => decodeCompactJwt(assertion, { maxBytes: MAX_ASSERTION_BYTES, maxClaims: MAX_CLAIMS }));
  if (typeof unverifiedPayload.iss !== 'string') throw refused('it has no iss claim naming the client (and the request no client_id)');
  return unverifiedPayload.iss;
}

export interface AssertionCheck {
  readonly clientId: string;
  readonly keys: AssertionKeys;
  /** The values `aud` may name: this server's issuer identifier and token endpoint URL. */
  readonly audiences: readonly string[];
  readonly replayGuard: ReplayGuard;
  readonly now?: number;
}

export async function verifyClientAssertion(assertion: string, check: AssertionCheck): Promise<void> {
  const { keys } = check;
  const { header } = readable(() => decodeCompactJwt(assertion, { maxBytes: MAX_ASSERTION_BYTES, maxClaims: MAX_CLAIMS }));
  readable(() => checkNoCrit(header));
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') throw refused(`it is not signed (alg ${quoted(alg ?? '(none)')})`);
  if (/^HS/i.test(alg)) throw refused(`${quoted(alg)} needs a shared secret; a private_key_jwt client signs with its private key (${keys.algorithms.join(', ')})`);
  if (!keys.algorithms.includes(alg)) throw refused(`the algorithm ${quoted(alg)} is not allowed for this client (${keys.algorithms.join(', ')})`);
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') throw refused('its kid header is not a string');

  let payload: Uint8Array;
  try {
    payload = await verifySignature(assertion, alg, kid, await keys.keysFor(kid));
  } catch (error) {
    if (!isStsError(error) || error.status >= 500) throw error;
    const reasons: Record<string, string> = {
      jwt_key_not_found: kid === undefined ? 'the client has no registered key' : `the client has no registered key with kid ${quoted(kid)}`,
      jwt_algorithm_not_allowed: `the algorithm ${quoted(alg)} does not fit the client's registered key`,
    };
    throw refused(reasons[error.code] ?? 'its signature does not verify with the client\'s registered keys');
  }
  const claims = readable(() => parseJsonObject(new TextDecoder().decode(payload), 'payload'));
  await checkClaims(claims, check);
}

/** Runs a jwt-input check whose refusal becomes this method's invalid_client. */
function readable<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!isStsError(error) || error.status >= 500) throw error;
    throw refused(error.message.replace(/\.$/, '').replace(/^The JWT/, 'the JWT'));
  }
}

async function checkClaims(claims: JsonRecord, { clientId, audiences, replayGuard, now = Date.now() }: AssertionCheck): Promise<void> {
  // RFC 7523 section 3: iss and sub are both the client_id.
  if (claims.iss !== clientId) throw refused(`iss ${quoted(claims.iss ?? '(none)')} is not the client_id ${quoted(clientId)}`);
  if (claims.sub !== clientId) throw refused(`sub ${quoted(claims.sub ?? '(none)')} is not the client_id ${quoted(clientId)} (iss and sub must both be the client)`);
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.some((value) => typeof value === 'string' && audiences.includes(value))) {
    const shown = typeof claims.aud === 'string' ? quoted(claims.aud) : JSON.stringify(claims.aud ?? null).slice(0, 200);
    throw refused(`aud ${shown} does not name this server (use its token endpoint URL or issuer identifier)`);
  }
  const exp = seconds(claims, 'exp');
  if (exp === undefined) throw refused('it has no exp claim');
  if (now >= exp + CLOCK_SKEW_MS) throw refused('it has expired');
  if (exp > now + MAX_ASSERTION_LIFETIME_MS + CLOCK_SKEW_MS) throw refused(`it expires more than ${MAX_ASSERTION_LIFETIME_MS / 60_000} minutes from now; make a new assertion for each request`);
  const nbf = seconds(claims, 'nbf');
  if (nbf !== undefined && nbf > now + CLOCK_SKEW_MS) throw refused('it is not valid yet (nbf)');
  const iat = seconds(claims, 'iat');
  if (iat !== undefined && iat > now + CLOCK_SKEW_MS) throw refused('it was issued in the future (iat)');
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti.length === 0) throw refused('it has no jti claim (a non-empty string), which single use needs');
  if (jti.length > MAX_JTI_LENGTH) throw refused(`its jti is longer than ${MAX_JTI_LENGTH} characters`);
  // Spent for the whole deployment until it could no longer be accepted anyway; a store outage is a 503.
  if (!(await replayGuard.firstUse(`${clientId}\u0000${jti}`, new Date(exp + CLOCK_SKEW_MS)))) {
    throw refused('its jti has been used before (each assertion is good for one request)');
  }
}

/** A NumericDate claim in milliseconds; undefined when absent. */
function seconds(claims: JsonRecord, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !isWritableTime(value * 1000)) throw refused(`its ${name} claim is not a time in seconds since 1970`);
  return value * 1000;
}
