import { InternalStsError, InvalidRequestError, InvalidTokenError, ServiceUnavailableError } from '../errors/sts-errors';
import { callerRedirectError, redirectErrorOf } from './redirect-error';

describe('redirectErrorOf', () => {
  it.each([
    ['a rejected credential', new InvalidTokenError('Invalid username or password.'), 'access_denied', 'Invalid username or password.'],
    ['a bad request', new InvalidRequestError('Instance /a does not support the transform USERNAME -> JWT.'), 'invalid_request', 'Instance /a does not support the transform USERNAME -> JWT.'],
    ['a store that is down', new ServiceUnavailableError('Redis is down at 10.0.0.1'), 'temporarily_unavailable', 'The service is busy; try again shortly.'],
    ['a fault of ours', new InternalStsError('stack details'), 'server_error', 'The server could not complete the request.'],
    ['something that is no StsError', new TypeError('x is undefined'), 'server_error', 'The server could not complete the request.'],
  ])('maps %s', (_, error, code, description) => {
    expect(redirectErrorOf(error)).toEqual({ error: code, error_description: description });
  });

  it('keeps error_description within the characters RFC 6749 allows', () => {
    const { error_description } = redirectErrorOf(new InvalidTokenError('User "bob\\x" is locked — ünïcode\n'));
    expect(error_description).toBe("User 'bob?x' is locked ? ?n?code?");
    expect(error_description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
  });
});

describe('callerRedirectError', () => {
  it('passes a well-formed error with description, custom code and reason', () => {
    expect(callerRedirectError({ error: 'login_required', error_description: 'Sign in again.', error_code: 'MFA-42', error_reason: 'second factor expired' })).toEqual({
      error: 'login_required',
      error_description: 'Sign in again.',
      error_code: 'MFA-42',
      error_reason: 'second factor expired',
    });
    expect(callerRedirectError({ error: 'access_denied' })).toEqual({ error: 'access_denied' });
  });

  it.each([
    ['no error', { error: undefined }],
    ['an empty error', { error: '' }],
    ['a space in error', { error: 'access denied' }],
    ['a quote in error', { error: 'a"b' }],
    ['a backslash in error_description', { error: 'x', error_description: 'a\\b' }],
    ['a newline in error_description', { error: 'x', error_description: 'a\nb' }],
    ['non-ASCII in error_reason', { error: 'x', error_reason: 'é' }],
    ['a space in error_code', { error: 'x', error_code: 'a b' }],
    ['a number as error_code', { error: 'x', error_code: 42 }],
    ['an overlong error_description', { error: 'x', error_description: 'a'.repeat(513) }],
  ])('refuses %s with invalid_error_parameter', (_, body) => {
    expect(() => callerRedirectError(body)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_error_parameter' }));
  });
});
