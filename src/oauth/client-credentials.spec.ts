import { isStsError } from '../errors/sts-errors';
import { CLIENT_ASSERTION_TYPE } from './client-assertion';
import { formClientParameters, presentedClient } from './client-credentials';
import { FormBody } from './form-body';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const presented = (authorization: string | undefined, form: string) => presentedClient(authorization, formClientParameters(new FormBody(form)));
const assertionType = `client_assertion_type=${encodeURIComponent(CLIENT_ASSERTION_TYPE)}`;

function refusal(authorization: string | undefined, form: string): [number, string] {
  try {
    presented(authorization, form);
  } catch (error) {
    if (isStsError(error)) return [error.status, error.code];
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('presentedClient', () => {
  it('reads client_secret_basic, form-URL-decoding both halves (RFC 6749 section 2.3.1)', () => {
    expect(presented(basic('my%3Aclient', 'p%40ss+word%3A'), 'token=x')).toEqual({ method: 'client_secret_basic', clientId: 'my:client', secret: 'p@ss word:' });
  });

  it('reads client_secret_post', () => {
    expect(presented(undefined, 'client_id=rs&client_secret=s%20x')).toEqual({ method: 'client_secret_post', clientId: 'rs', secret: 's x' });
  });

  it('accepts a client_id in the body that matches the Basic one', () => {
    expect(presented(basic('rs', 's'), 'client_id=rs')?.clientId).toBe('rs');
  });

  it('reads private_key_jwt, with or without client_id (RFC 7523 section 2.2)', () => {
    expect(presented(undefined, `${assertionType}&client_assertion=a.b.c`)).toEqual({ method: 'private_key_jwt', assertion: 'a.b.c' });
    expect(presented(undefined, `${assertionType}&client_assertion=a.b.c&client_id=gw`)).toEqual({ method: 'private_key_jwt', clientId: 'gw', assertion: 'a.b.c' });
  });

  it('reads a client_id alone as a client that authenticates with its TLS certificate (RFC 8705 section 2)', () => {
    expect(presented(undefined, 'client_id=gw&token=x')).toEqual({ method: 'tls_client_certificate', clientId: 'gw' });
  });

  it('answers undefined when the request presents nothing', () => {
    expect(presented(undefined, 'token=x')).toBeUndefined();
  });

  it.each([
    ['a secret without a client_id', undefined, 'client_secret=s', [401, 'invalid_client']],
    ['a Bearer header', 'Bearer abc', '', [401, 'invalid_client']],
    ['Basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`, '', [401, 'invalid_client']],
    ['Basic with an empty client id', basic('', 'secret'), '', [401, 'invalid_client']],
    ['Basic that is not base64', 'Basic ***', '', [401, 'invalid_client']],
    ['Basic with broken percent-encoding', basic('a%zz', 's'), '', [401, 'invalid_client']],
    ['an assertion without client_assertion_type', undefined, 'client_assertion=a.b.c', [401, 'invalid_client']],
    ['an assertion of another type', undefined, 'client_assertion_type=urn%3Aother&client_assertion=a.b.c', [401, 'invalid_client']],
    ['client_assertion_type without an assertion', undefined, assertionType, [401, 'invalid_client']],
    ['Basic and client_secret at once', basic('rs', 's'), 'client_secret=s', [400, 'invalid_request']],
    ['Basic and a client assertion at once', basic('rs', 's'), `${assertionType}&client_assertion=a.b.c`, [400, 'invalid_request']],
    ['client_secret and a client assertion at once', undefined, `client_id=rs&client_secret=s&${assertionType}&client_assertion=a.b.c`, [400, 'invalid_request']],
    ['a body client_id naming another client', basic('rs', 's'), 'client_id=other', [400, 'invalid_request']],
    ['a repeated client_id', undefined, 'client_id=a&client_id=b&client_secret=s', [400, 'invalid_request']],
    ['a repeated client_assertion', undefined, `${assertionType}&client_assertion=a&client_assertion=b`, [400, 'invalid_request']],
  ])('refuses %s', (_, authorization, form, expected) => {
    expect(refusal(authorization, form)).toEqual(expected);
  });
});
