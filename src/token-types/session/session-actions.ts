/**
 * What `/rest-sts{P}` does with a session besides translating it: `_action=session_info` (the
 * session's claims, DaVinci's "Get Session Token Details"), and `_action=cancel` / `validate`
 * when the token state is a SESSION or OPENAM one (logout on every node; a look that is no use).
 * Unlike issued tokens, sessions are always in the store: no `persist_issued_tokens` needed.
 */
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { ConflictError, InvalidRequestError, isStsError, NotFoundError } from '../../errors/sts-errors';
import type { AuditEvent, AuditLog } from '../../logging/audit-log';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import type { LoadedInstance } from '../../realms/loaded-instance';
import { tokenHash } from '../../tokens/token-hash';
import type { TokenStore } from '../../tokens/token-store';
import { parseBody } from '../../transform/request-bodies';
import { requiredString } from '../token-state-fields';
import { MAX_SESSION_TOKEN_LENGTH, SESSION_TOKEN_FIELDS } from './session.validator';
import { Sessions, type EndedSession } from './sessions';

type Caller = Pick<AuditEvent, 'request_id' | 'remote_address'>;

/** The body of `_action=session_info`. */
export class SessionInfoBody {
  @MaxLength(MAX_SESSION_TOKEN_LENGTH, { message: `session_token must be at most ${MAX_SESSION_TOKEN_LENGTH} characters.` })
  @IsString({ message: 'session_token is required and must be a string.' })
  session_token!: string;

  @IsBoolean({ message: 'resolve_to_user must be true or false.' })
  @IsOptional()
  resolve_to_user?: boolean;
}

export interface SessionInfoAnswer {
  readonly claims: Readonly<Record<string, JsonValue>>;
  /** With resolve_to_user: the identity store's current view of the principal. */
  readonly user?: { readonly username: string; readonly attributes: Readonly<Record<string, JsonValue>> };
}

/** Whether a validated / cancelled token state names a session (SESSION, or PingAM's OPENAM). */
export function isSessionState(state: unknown): state is JsonObject {
  const type = (state as JsonObject | null | undefined)?.token_type;
  return typeof type === 'string' && Object.hasOwn(SESSION_TOKEN_FIELDS, type);
}

export class SessionActions {
  private readonly sessions: Sessions;

  constructor(store: TokenStore | undefined, private readonly audit?: AuditLog) {
    this.sessions = new Sessions(store);
  }

  /** `_action=session_info`: the live session's claims; 401 with the refusal's code when it is not. Not a use: the idle timeout stays. */
  async info(target: LoadedInstance, body: unknown): Promise<SessionInfoAnswer> {
    checkSessionsServed(target);
    const { session_token, resolve_to_user } = parseBody(SessionInfoBody, body);
    const record = await this.sessions.inspect(target, session_token);
    if (!resolve_to_user) return { claims: record.claims };
    const store = target.realm.identityStore;
    if (!store?.lookup) {
      throw new ConflictError(`Realm ${target.realm.path} has no identity store that can look users up, so resolve_to_user cannot be answered.`, {
        code: 'resolve_to_user_unsupported',
      });
    }
    const identity = await store.lookup(record.principal);
    if (!identity) throw new NotFoundError(`The session's user ${JSON.stringify(record.principal.slice(0, 64))} no longer exists in the identity store.`, { code: 'user_not_found' });
    return { claims: record.claims, user: { username: identity.username, attributes: identity.attributes } };
  }

  /** `_action=cancel` of a session: logout, seen at once by every node sharing the store. */
  async logout(target: LoadedInstance, state: JsonObject, caller: Caller = {}): Promise<{ result: string }> {
    checkSessionsServed(target);
    const { tokenType, token } = tokenOf(state, 'cancelled_token_state');
    let ended: EndedSession;
    const audited = { action: 'cancel', instance: target.instance.path, output_type: tokenType, token_hash: tokenHash(token), ...caller } as const;
    try {
      ended = await this.sessions.end(target, token);
      this.audit?.record({ ...audited, outcome: 'success', principal: ended.record.principal });
    } catch (error) {
      this.audit?.record({ ...audited, outcome: 'failure', ...(isStsError(error) && { error: error.code }) });
      throw error;
    }
    const cancelled = target.instance.settings.session!.cancel_issued_tokens_on_logout ? ` ${ended.cancelledTokens} token(s) issued from it cancelled.` : '';
    return { result: `${tokenType} session ended successfully.${cancelled}` };
  }

  /** `_action=validate` of a session: whether it is alive, without using it. */
  async validate(target: LoadedInstance, state: JsonObject): Promise<{ token_valid: boolean; principal?: string }> {
    checkSessionsServed(target);
    const { token } = tokenOf(state, 'validated_token_state');
    try {
      const record = await this.sessions.inspect(target, token);
      return { token_valid: true, principal: record.principal };
    } catch (error) {
      if (isStsError(error) && error.status === 401) return { token_valid: false };
      throw error;
    }
  }
}

function checkSessionsServed(target: LoadedInstance): void {
  if (!target.instance.settings.session) {
    throw new InvalidRequestError(`Instance ${target.instance.path} has no session section, so it issues and accepts no sessions.`, {
      code: 'sessions_not_configured',
    });
  }
}

function tokenOf(state: JsonObject, stateName: string): { tokenType: string; token: string } {
  const tokenType = state.token_type as string;
  return { tokenType, token: requiredString(state, stateName, SESSION_TOKEN_FIELDS[tokenType], MAX_SESSION_TOKEN_LENGTH) };
}
