import { isStsError } from '../../errors/sts-errors';
import { checkInResponseTo, expectedRequestId } from './validation-in-response-to';
import { isSamlId } from './xml-names';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    if (!isStsError(error)) throw error;
    return `${error.status} ${error.code}`;
  }
}

describe('isSamlId (xs:ID, an NCName), as in_response_to is checked', () => {
  it.each(['_abc', 'a', 'ONELOGIN_4fee3b04', '_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6', 'id-1.2_3', 'é-clé', '_𐀀x'])('accepts %j', (value) => {
    expect(isSamlId(value)).toBe(true);
  });

  it.each(['', '1abc', '-a', '.a', 'a b', 'a:b', 'a/b', 'a"b', '<a>', 'a\u0000', `_${'x'.repeat(256)}`])('refuses %j', (value) => {
    expect(isSamlId(value)).toBe(false);
  });
});

describe('expectedRequestId', () => {
  it('is undefined when the caller names no request, unless the instance requires one', () => {
    expect(expectedRequestId({}, false)).toBeUndefined();
    expect(expectedRequestId({ in_response_to: null }, false)).toBeUndefined();
    expect(codeOf(() => expectedRequestId({}, true))).toBe('400 invalid_in_response_to');
  });

  it('returns a valid ID and refuses anything else with 400 invalid_in_response_to', () => {
    expect(expectedRequestId({ in_response_to: '_req1' }, true)).toBe('_req1');
    for (const value of ['1', 'a b', ['_a'], { id: '_a' }, true, 7]) {
      expect(codeOf(() => expectedRequestId({ in_response_to: value }, false))).toBe('400 invalid_in_response_to');
    }
  });
});

describe('checkInResponseTo', () => {
  it('accepts when every present value equals the expected ID and a signed one is present', () => {
    expect(codeOf(() => checkInResponseTo('_r', null, ['_r']))).toBeUndefined();
    expect(codeOf(() => checkInResponseTo('_r', '_r', ['_r', undefined]))).toBeUndefined();
  });

  it.each<[string, string | null, (string | undefined)[]]>([
    ['no value anywhere', null, [undefined]],
    ['only the (unsigned) Response', '_r', [undefined]],
    ['the Response naming another request', '_x', ['_r']],
    ['a bearer confirmation naming another request', null, ['_x']],
    ['one of two bearer confirmations naming another request', null, ['_r', '_x']],
    ['an empty value', '', ['']],
  ])('refuses %s with 401 saml_in_response_to_mismatch', (_, response, bearers) => {
    expect(codeOf(() => checkInResponseTo('_r', response, bearers))).toBe('401 saml_in_response_to_mismatch');
  });
});
