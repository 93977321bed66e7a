/**
 * Sessions over the token store: open one for a validated principal, and turn a presented session
 * token back into its record when (and only when) the store says it is alive for this instance.
 */
import { decodeJwt } from 'jose';
import { randomBase64url } from '../../common/random-identifier';
import { InternalStsError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import type { PrincipalSession, StsInstanceContext, StsRealmContext } from '../../plugin-api/token-contract';
import type { SessionConfig } from '../../realms/schema/session-config';
import { isLiveSession, type SessionRecord } from '../../tokens/session-record';
import { tokenHash } from '../../tokens/token-hash';
import type { TokenStore } from '../../tokens/token-store';
import { sessionRefused } from './session-errors';
import { looksLikeJwt, newSessionId, SESSION_USAGE, sessionIdOf, signSessionJwt, verifiedSessionClaims } from './session-token';

/** How long the store remembers a session after its maximum lifetime, so a late use is told "expired" or "cancelled", not "unknown". */
export const SESSION_MEMORY_AFTER_EXPIRY_MS = 24 * 3600 * 1000;

export interface SessionTarget {
  readonly realm: StsRealmContext;
  readonly instance: StsInstanceContext;
}

export interface OpenedSession {
  readonly token: string;
  readonly record: SessionRecord;
}

/** The session's issuer: `session.issuer`, else the instance's ID token issuer. */
export function sessionIssuer(instance: StsInstanceContext): string | undefined {
  return instance.settings.session?.issuer ?? instance.settings.oidc?.issuer;
}

/** A session a translate is using: its store key, and its record after the use. */
export interface UsedSession {
  readonly key: string;
  readonly record: SessionRecord;
}

/** What logout did. */
export interface EndedSession {
  readonly record: SessionRecord;
  /** Tokens issued from the session that the logout cancelled (with cancel_issued_tokens_on_logout). */
  readonly cancelledTokens: number;
}

export class Sessions {
  /**
   * The validated sessions a translate is issuing from, by the PrincipalSession object the
   * validator handed over (the dispatcher passes that same object to the token provider).
   */

  /** Without a store (configuration checks only) every session operation is a 500. */
  constructor(
    private readonly tokenStore: TokenStore | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  private get store(): TokenStore {
    if (!this.tokenStore) throw new InternalStsError('No token store is configured.', { code: 'token_store_missing' });
    return this.tokenStore;
  }

  /** Records a new session for `principal` and returns its token. */
  async open(target: SessionTarget, principal: string, session: PrincipalSession | undefined, extraClaims: Record<string, JsonValue>): Promise<OpenedSession> {
    const config = sessionConfigOf(target.instance);
    const now = this.clock();
    const seconds = Math.floor(now / 1000);
    const maxExpiresAt = (seconds + config.max_lifetime_seconds) * 1000;
    const authTime = session ? session.authenticatedAt.getTime() : now;
    const issuer = sessionIssuer(target.instance);
    const amr = session ? [...session.authenticationMethods] : [];
    const acr = typeof session?.acr === 'string' && session.acr !== '' ? session.acr : undefined;
    const claims: Record<string, JsonValue> = {
      ...extraClaims,
      ...(issuer !== undefined && { iss: issuer }),
      sub: principal,
      ...(config.audience.length > 0 && { aud: config.audience.length === 1 ? config.audience[0] : [...config.audience] }),
      usage: SESSION_USAGE,
      jti: randomBase64url(16),
      iat: seconds,
      exp: maxExpiresAt / 1000,
      auth_time: Math.floor(authTime / 1000),
      ...(amr.length > 0 && { amr }),
      ...(acr !== undefined && { acr }),
    };
    const token = config.form === 'jwt' ? await signSessionJwt(claims, config, target.realm) : newSessionId(config);
    const record: SessionRecord = {
      instance: target.instance.path,
      form: config.form,
      principal,
      authTime,
      amr,
      ...(acr !== undefined && { acr }),
      attributes: { ...(session?.attributes ?? {}) },
      claims,
      issuedAt: now,
      idleExpiresAt: Math.min(now + config.idle_timeout_seconds * 1000, maxExpiresAt),
      maxExpiresAt,
      keepUntil: maxExpiresAt + SESSION_MEMORY_AFTER_EXPIRY_MS,
    };
    await this.store.saveSession(storeKeyOf(token, config.form), record);
    return { token, record };
  }

  /** A use of the session (translate): refused unless alive; moves its idle expiry on. */
  async use(target: SessionTarget, token: string): Promise<UsedSession> {
    const { key } = await this.live(target, token);
    const now = this.clock();
    const idle = now + sessionConfigOf(target.instance).idle_timeout_seconds * 1000;
    const touched = await this.store.touchSession(key, idle, now);
    // Ended or timed out between the look-up and the touch (another node): say why.
    return { key, record: touched ?? this.refuse(await this.store.findSession(key, now), now) };
  }

  /** The live session's record, without counting as a use (details). */
  async inspect(target: SessionTarget, token: string): Promise<SessionRecord> {
    return (await this.live(target, token)).record;
  }

  /**
   * Logout on every node sharing the store; refused like any other use when not alive. With
   * cancel_issued_tokens_on_logout, the tokens issued from the session are cancelled too.
   */
  async end(target: SessionTarget, token: string): Promise<EndedSession> {
    const { key } = await this.live(target, token);
    const now = this.clock();
    const record = (await this.store.endSession(key, now)) ?? this.refuse(await this.store.findSession(key, now), now);
    let cancelledTokens = 0;
    if (sessionConfigOf(target.instance).cancel_issued_tokens_on_logout) {
      for (const hash of await this.store.sessionTokens(key, now)) {
        if (await this.store.removeIssued(hash, now)) cancelledTokens++;
      }
    }
    return { record, cancelledTokens };
  }

  private async live(target: SessionTarget, token: string): Promise<{ key: string; record: SessionRecord }> {
    const form = looksLikeJwt(token) ? 'jwt' : 'opaque';
    const id = sessionIdOf(token);
    if (id === undefined) throw sessionRefused(form === 'jwt' ? 'session_forged' : 'session_unknown');
    const key = storeKeyOf(token, form);
    const now = this.clock();
    const record = await this.store.findSession(key, now);
    // The store is shared by every realm: a record of another instance is never this one's.
    if (record && record.instance !== target.instance.path) throw sessionRefused('session_foreign');
    // The two forms are keyed apart already (storeKeyOf); this keeps a bare jti from ever passing for a token.
    if (record && record.form !== form) throw sessionRefused('session_unknown');
    if (form === 'jwt') await this.checkSignature(target, token);
    if (!record) throw sessionRefused(form === 'jwt' && jwtExpired(token, now) ? 'session_expired' : 'session_unknown');
    if (!isLiveSession(record, now)) this.refuse(record, now);
    return { key, record };
  }

  private async checkSignature(target: SessionTarget, token: string): Promise<void> {
    const config = sessionConfigOf(target.instance);
    const issuer = sessionIssuer(target.instance);
    const claims = issuer === undefined ? undefined : await verifiedSessionClaims(token, config, issuer, target.realm);
    if (!claims) throw sessionRefused('session_forged');
  }

  /** Throws the refusal that fits a record that is not (or no longer) alive at `now`. */
  private refuse(record: SessionRecord | undefined, now: number): never {
    if (!record) throw sessionRefused('session_unknown');
    if (record.endedAt !== undefined) throw sessionRefused('session_cancelled');
    if (record.maxExpiresAt <= now) throw sessionRefused('session_expired');
    if (record.idleExpiresAt <= now) throw sessionRefused('session_idle_timeout');
    throw sessionRefused('session_unknown');
  }
}

/** Where the store keeps a session: the hash of its JWT's jti, or of the opaque token itself. */
function storeKeyOf(token: string, form: 'jwt' | 'opaque'): string {
  return tokenHash(form === 'jwt' ? `jti:${sessionIdOf(token)}` : `ref:${token}`);
}

function jwtExpired(token: string, now: number): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * 1000 <= now;
  } catch {
    return false;
  }
}

export function sessionConfigOf(instance: StsInstanceContext): SessionConfig {
  // checkConfiguration guarantees the block for instances that issue or accept sessions.
  return instance.settings.session!;
}
