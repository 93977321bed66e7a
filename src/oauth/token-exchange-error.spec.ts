import { toErrorBody, toOAuthErrorBody } from '../errors/error-response';
import { InternalStsError, InvalidRequestError, InvalidTokenError, StsError, TokenStoreUnavailableError } from '../errors/sts-errors';
import { InvalidClientError } from './oauth-errors';
import { TokenExchangeError, toTokenExchangeError } from './token-exchange-error';

const rendered = (error: unknown) => toOAuthErrorBody(toTokenExchangeError(error));

describe('token endpoint errors (RFC 6749 section 5.2)', () => {
  it.each([
    ['a rejected subject token (RFC 8693 section 2.2.2)', new InvalidTokenError('Bad signature.'), 400, 'invalid_request', 'Bad signature.'],
    ['a malformed request', new InvalidRequestError('No subject_token.'), 400, 'invalid_request', 'No subject_token.'],
    ['a scope the output refuses', new InvalidRequestError('No such scope.', { code: 'invalid_scope' }), 400, 'invalid_scope', 'No such scope.'],
    ['a failed client authentication', new InvalidClientError('Client authentication failed.'), 401, 'invalid_client', 'Client authentication failed.'],
    ['a body in the wrong media type', new StsError(415, 'unsupported_media_type', 'Send a form.'), 415, 'invalid_request', 'Send a form.'],
    ['a token store outage', new TokenStoreUnavailableError(), 503, 'temporarily_unavailable', expect.stringMatching(/token store/)],
    ['a fault on our side', new InternalStsError('secret detail'), 500, 'server_error', expect.not.stringMatching(/secret detail/)],
    ['an unexpected error', new Error('secret detail'), 500, 'server_error', expect.not.stringMatching(/secret detail/)],
  ])('renders %s', (_, error, status, code, description) => {
    expect(rendered(error)).toEqual({ status, body: { error: code, error_description: description } });
  });

  it('passes its own errors through', () => {
    const own = new TokenExchangeError('invalid_target', 'Not for that audience.');
    expect(toTokenExchangeError(own)).toBe(own);
    expect(rendered(own)).toEqual({ status: 400, body: { error: 'invalid_target', error_description: 'Not for that audience.' } });
  });

  it('leaves every other error in the SPEC 4.2 shape', () => {
    const other = new InvalidTokenError('Bad signature.');
    expect(toOAuthErrorBody(other)).toBeUndefined();
    expect(toErrorBody(other)).toEqual({ code: 401, reason: 'Unauthorized', message: 'Bad signature.', error: 'invalid_token' });
  });
});
