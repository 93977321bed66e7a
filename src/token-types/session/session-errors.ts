/** Why a presented session is refused: each a 401 with its own stable code. */
import { InvalidTokenError } from '../../errors/sts-errors';

export const SESSION_REFUSALS = {
  session_unknown: 'The session is unknown to this STS.',
  session_expired: 'The session has reached its maximum lifetime; log in again.',
  session_idle_timeout: 'The session was not used for longer than its idle timeout; log in again.',
  session_cancelled: 'The session was ended by a logout.',
  session_forged: 'The session token is not signed by this instance (bad signature, issuer or usage).',
  session_foreign: 'The session was issued by another realm or instance; use it there.',
} as const;

export type SessionRefusal = keyof typeof SESSION_REFUSALS;

export function sessionRefused(code: SessionRefusal): InvalidTokenError {
  return new InvalidTokenError(SESSION_REFUSALS[code], { code });
}
