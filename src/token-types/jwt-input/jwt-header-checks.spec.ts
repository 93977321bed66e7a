import { refusal } from '../../../test/support/sts-refusal';
import { checkAlgorithm, checkNoCrit, checkTyp } from './jwt-header-checks';

describe('JWT header checks', () => {
  it('alg: only the allow-list, never none in any case, never a non-string', () => {
    expect(checkAlgorithm({ alg: 'ES256' }, ['RS256', 'ES256'])).toBe('ES256');
    for (const alg of ['none', 'NoNe', 'HS256', 'es256', 42, undefined]) {
      expect(refusal(() => checkAlgorithm({ alg }, ['RS256', 'ES256']))).toMatchObject({ status: 401, code: 'jwt_algorithm_not_allowed' });
    }
  });
  it('crit: any value is refused', () => {
    expect(refusal(() => checkNoCrit({ crit: [] }))).toMatchObject({ status: 401, code: 'jwt_unsupported_crit' });
    expect(() => checkNoCrit({ alg: 'RS256' })).not.toThrow();
  });
  it('typ: access tokens need at+jwt (any case, application/ optional); ID tokens refuse it; allowed_typ decides alone', () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) expect(() => checkTyp({ typ }, 'access_token', undefined)).not.toThrow();
    for (const typ of ['JWT', undefined, 7]) expect(refusal(() => checkTyp({ typ }, 'access_token', undefined)).code).toBe('jwt_wrong_type');
    for (const typ of ['JWT', undefined]) expect(() => checkTyp({ typ }, 'id_token', undefined)).not.toThrow();
    expect(refusal(() => checkTyp({ typ: 'Application/At+Jwt' }, 'id_token', undefined)).code).toBe('jwt_wrong_type');
    expect(() => checkTyp({ typ: 'JWT' }, 'access_token', ['jwt'])).not.toThrow();
    expect(() => checkTyp({}, 'access_token', [''])).not.toThrow();
    expect(refusal(() => checkTyp({ typ: 'at+jwt' }, 'access_token', ['JWT'])).code).toBe('jwt_wrong_type');
  });
});
