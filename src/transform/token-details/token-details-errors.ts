/** The refusals of `_action=token_details`, each a 401 with its own stable code. */
import { InvalidTokenError } from '../../errors/sts-errors';

export const malformedToken = (what: string) => new InvalidTokenError(`The token is not a readable ${what}.`, { code: 'malformed_token' });

export const notIssuedHere = (why: string) =>
  new InvalidTokenError(`The token was not issued by this instance: ${why}.`, { code: 'token_not_issued_here' });

export const invalidSignature = () =>
  new InvalidTokenError("The token's signature does not verify with this instance's current or retiring keys.", { code: 'invalid_signature' });

export const tokenExpired = (at: Date) =>
  new InvalidTokenError(`The token expired at ${at.toISOString()}; pass options.errorOnExpiry: false to read it anyway.`, { code: 'token_expired' });

export const notReadable = (why: string) => new InvalidTokenError(`This instance cannot read the token: ${why}.`, { code: 'token_not_readable' });

export const notLive = () =>
  new InvalidTokenError('The token is no longer live: it was cancelled, or this instance never recorded it.', { code: 'token_not_live' });

export const unverifiable = () =>
  new InvalidTokenError('The token carries no signature this instance can check, and its token store does not list it.', { code: 'token_unverifiable' });
