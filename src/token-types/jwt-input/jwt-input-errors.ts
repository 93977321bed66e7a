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
  let text: string;
  try {
    text = String(value);
  } catch {
    // A JSON object whose own `toString` / `valueOf` is not a function (`{"iss": {"toString": 0}}`)
    // makes String() throw, which was a 500 (found by test/property).
    text = Object.prototype.toString.call(value);
  }
  return JSON.stringify(text.slice(0, 200));
}
