/**
 * Input types SESSION (`{"token_type": "SESSION", "session_token": "..."}`) and PingAM's OPENAM
 * (`{"token_type": "OPENAM", "session_id": "..."}`): a live session of this instance stands for
 * its principal without the password again. The issued token's auth_time, amr and acr come from
 * the session's login, not from now; each use moves the idle timeout on.
 */
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  PrincipalSession,
  TokenValidationResult,
  TokenValidator,
  TokenValidatorParams,
} from '../../plugin-api/token-contract';
import { requiredString } from '../token-state-fields';
import { sessionConfigurationProblems } from './session-config-checks';
import type { Sessions } from './sessions';

/** A session JWT with its claims stays far below this. */
export const MAX_SESSION_TOKEN_LENGTH = 16 * 1024;

/** Where each input type carries the session token. */
export const SESSION_TOKEN_FIELDS: Readonly<Record<string, string>> = { SESSION: 'session_token', OPENAM: 'session_id' };

export class SessionTokenValidator implements TokenValidator {
  constructor(private readonly sessions: Sessions) {}

  async validateToken({ inputTokenType, inputTokenState, realm, instance }: TokenValidatorParams): Promise<TokenValidationResult> {
    const field = SESSION_TOKEN_FIELDS[inputTokenType] ?? 'session_token';
    const token = requiredString(inputTokenState, 'input_token_state', field, MAX_SESSION_TOKEN_LENGTH);
    const used = await this.sessions.use({ realm, instance }, token);
    const { record } = used;
    const session: PrincipalSession = {
      authenticatedAt: new Date(record.authTime),
      authenticationMethods: [...record.amr],
      ...(record.acr !== undefined && { acr: record.acr }),
      attributes: record.attributes,
      sessionId: used.key,
    };
    return {
      principal: record.principal,
      ...(typeof record.claims.iss === 'string' && { issuer: record.claims.iss }),
      session,
    };
  }

  checkConfiguration(context: ConfigurationCheckContext): ConfigurationProblem[] {
    return sessionConfigurationProblems(context, 'SESSION or OPENAM input');
  }
}
