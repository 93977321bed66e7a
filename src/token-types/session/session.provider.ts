/**
 * Output type SESSION: the STS's own session (PingAM's SSO session, DaVinci's session token),
 * opened after any validated input and recorded in the token store, which decides whether it
 * is alive. `output_token_state.claims` may add claims the instance allows (`session.allowed_claims`).
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  StsInstanceContext,
  TokenProvider,
  TokenProviderParams,
} from '../../plugin-api/token-contract';
import { sessionConfigurationProblems } from './session-config-checks';
import type { Sessions } from './sessions';

const MAX_CLAIMS = 100;

export class SessionTokenProvider implements TokenProvider {
  /** The field of validated_token_state / cancelled_token_state that carries a session token. */
  readonly issuedTokenField = 'session_token';

  constructor(private readonly sessions: Sessions) {}

  checkOutputTokenState(state: Readonly<JsonObject>, instance: StsInstanceContext): void {
    requestedClaims(state, instance.settings.session?.allowed_claims ?? []);
  }

  async createToken({ principal, session, outputTokenState, realm, instance }: TokenProviderParams): Promise<IssuedToken> {
    const claims = requestedClaims(outputTokenState, instance.settings.session!.allowed_claims);
    const { token, record } = await this.sessions.open({ realm, instance }, principal, session, claims);
    return {
      token,
      expiresAt: new Date(record.maxExpiresAt),
      introspectionClaims: { ...(record.claims.iss !== undefined && { iss: record.claims.iss }), jti: record.claims.jti, token_type: 'session' },
    };
  }

  checkConfiguration(context: ConfigurationCheckContext): ConfigurationProblem[] {
    return sessionConfigurationProblems(context, 'SESSION output');
  }
}

/** `output_token_state.claims`: a JSON object of claims the instance allows. */
function requestedClaims(state: Readonly<JsonObject>, allowed: readonly string[]): Record<string, JsonValue> {
  const value = state.claims;
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('output_token_state.claims must be a JSON object.');
  }
  const names = Object.keys(value);
  if (names.length > MAX_CLAIMS) throw new InvalidRequestError(`output_token_state.claims has more than ${MAX_CLAIMS} claims.`);
  const refused = names.find((name) => !allowed.includes(name));
  if (refused !== undefined) {
    throw new InvalidRequestError(`This instance does not allow the claim ${JSON.stringify(refused.slice(0, 64))} in a session (session.allowed_claims).`, {
      code: 'claim_not_allowed',
    });
  }
  return { ...value };
}
