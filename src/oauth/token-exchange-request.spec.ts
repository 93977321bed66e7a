import { FormBody } from './form-body';
import { checkGrantType, readTokenExchangeRequest, TOKEN_EXCHANGE_GRANT } from './token-exchange-request';
import { refusal as refused } from '../../test/support/sts-refusal';

const SUBJECT = 'subject_token=abc&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt';
const read = (extra = '') => readTokenExchangeRequest(new FormBody(`${SUBJECT}${extra}`));

/** The status and code a call was refused with. */
const refusal = (work: () => unknown): [number, string] => {
  const { status, code } = refused(work);
  return [status, code];
};

describe('checkGrantType', () => {
  it('accepts the token exchange grant only', () => {
    expect(() => checkGrantType(new FormBody(`grant_type=${encodeURIComponent(TOKEN_EXCHANGE_GRANT)}`))).not.toThrow();
    expect(refusal(() => checkGrantType(new FormBody('grant_type=client_credentials')))).toEqual([400, 'unsupported_grant_type']);
    expect(refusal(() => checkGrantType(new FormBody('')))).toEqual([400, 'invalid_request']);
  });
});

describe('readTokenExchangeRequest', () => {
  it('reads the subject, defaults requested_token_type to access_token, and names no scope or target', () => {
    expect(read()).toEqual({
      subjectToken: 'abc',
      subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
      requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      targets: [],
    });
  });

  it('collects repeated audience and resource values, and the scope tokens', () => {
    const request = read('&audience=api&audience=api-2&resource=https%3A%2F%2Fapi.test%2Fx&audience=api&scope=read%20write%20read');
    expect(request.targets).toEqual(['api', 'api-2', 'https://api.test/x']);
    expect(request.scopes).toEqual(['read', 'write']);
  });

  it('reads an actor token with its type', () => {
    expect(read('&actor_token=xyz&actor_token_type=urn%3Arest-sts%3Atoken-type%3ATOY').actor).toEqual({ token: 'xyz', tokenType: 'urn:rest-sts:token-type:TOY' });
  });

  it.each([
    ['no subject_token', () => readTokenExchangeRequest(new FormBody('subject_token_type=x')), [400, 'invalid_request']],
    ['no subject_token_type', () => readTokenExchangeRequest(new FormBody('subject_token=x')), [400, 'invalid_request']],
    ['a repeated subject_token', () => read('&subject_token=again'), [400, 'invalid_request']],
    ['an actor_token without its type', () => read('&actor_token=xyz'), [400, 'invalid_request']],
    ['an actor_token_type without a token', () => read('&actor_token_type=x'), [400, 'invalid_request']],
    ['an empty actor_token', () => read('&actor_token=&actor_token_type=x'), [400, 'invalid_request']],
    ['a relative resource', () => read('&resource=api'), [400, 'invalid_target']],
    ['a resource with a fragment', () => read('&resource=https%3A%2F%2Fapi.test%2F%23x'), [400, 'invalid_target']],
    ['an empty audience', () => read('&audience='), [400, 'invalid_request']],
    ['a malformed scope', () => read('&scope=%22quoted%22'), [400, 'invalid_scope']],
    ['an empty scope', () => read('&scope=%20'), [400, 'invalid_scope']],
  ])('refuses %s', (_, work, expected) => {
    expect(refusal(work)).toEqual(expected);
  });
});
