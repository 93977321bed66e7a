import { isStsError } from '../errors/sts-errors';
import { clientCredentialsOf } from './client-credentials';
import { FormBody } from './form-body';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function refusal(authorization: string | undefined, form: string): [number, string] {
  try {
    clientCredentialsOf(authorization, new FormBody(form));
  } catch (error) {
    if (isStsError(error)) return [error.status, error.code];
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('clientCredentialsOf', () => {
  it('reads client_secret_basic, form-URL-decoding both halves (RFC 6749 section 2.3.1)', () => {
    expect(clientCredentialsOf(basic('my%3Aclient', 'p%40ss+word%3A'), new FormBody('token=x'))).toEqual({
      clientId: 'my:client',
      secret: 'p@ss word:',
    });
  });

  it('reads client_secret_post', () => {
    expect(clientCredentialsOf(undefined, new FormBody('client_id=rs&client_secret=s%20x'))).toEqual({ clientId: 'rs', secret: 's x' });
  });

  it('accepts a client_id in the body that matches the Basic one', () => {
    expect(clientCredentialsOf(basic('rs', 's'), new FormBody('client_id=rs')).clientId).toBe('rs');
  });

  it.each([
    ['no credentials at all', undefined, 'token=x', [401, 'invalid_client']],
    ['a client_id without a secret', undefined, 'client_id=rs', [401, 'invalid_client']],
    ['a secret without a client_id', undefined, 'client_secret=s', [401, 'invalid_client']],
    ['a Bearer header', 'Bearer abc', '', [401, 'invalid_client']],
    ['Basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`, '', [401, 'invalid_client']],
    ['Basic with an empty client id', basic('', 'secret'), '', [401, 'invalid_client']],
    ['Basic that is not base64', 'Basic ***', '', [401, 'invalid_client']],
    ['Basic with broken percent-encoding', basic('a%zz', 's'), '', [401, 'invalid_client']],
    ['two methods at once', basic('rs', 's'), 'client_secret=s', [400, 'invalid_request']],
    ['a body client_id naming another client', basic('rs', 's'), 'client_id=other', [400, 'invalid_request']],
    ['a repeated client_id', undefined, 'client_id=a&client_id=b&client_secret=s', [400, 'invalid_request']],
  ])('refuses %s', (_, authorization, form, expected) => {
    expect(refusal(authorization, form)).toEqual(expected);
  });
});
