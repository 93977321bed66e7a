/** The refusals of input JWTs: 401 with a stable `jwt_*` code (a rejected token), 400 for a malformed one. */
import { InvalidRequestError, InvalidTokenError } from '../../errors/sts-errors';

export function jwtRejected(code: string, message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code });
}

export function jwtMalformed(why: string): InvalidRequestError {
  return new InvalidRequestError(`The JWT cannot be read: ${why}.`, { code: 'jwt_malformed' });
}

/** Token-supplied text in a message: bounded and quoted. */
export function quoted(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 200));
}
