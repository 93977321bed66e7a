import { refusal } from '../../../test/support/sts-refusal';
import type { OidcValidationConfig, TrustedIssuerConfig } from '../../realms/schema/oidc-validation-config';
import { checkAudience, checkRequiredClaims, checkSubject, checkTimes } from './jwt-claims-checks';

const NOW = 1_800_000_000_000;
const s = NOW / 1000;
const config = (extra: Partial<OidcValidationConfig> = {}) => ({ validate_expiration: true, clock_skew_seconds: 30, ...extra }) as OidcValidationConfig;
const issuer = (extra: Partial<TrustedIssuerConfig> = {}) => ({ audiences: ['sts'], subjects: [], ...extra }) as TrustedIssuerConfig;
const code = (work: () => unknown) => refusal(work).code;

describe('JWT claim checks', () => {
  it('exp with skew, required unless validate_expiration is false; nbf and iat not beyond the skew', () => {
    expect(checkTimes({ exp: s - 29, iat: s - 60 }, config(), NOW)).toEqual({ expiresAt: (s - 29) * 1000, issuedAt: (s - 60) * 1000 });
    expect(code(() => checkTimes({ exp: s - 30 }, config(), NOW))).toBe('jwt_expired');
    expect(code(() => checkTimes({}, config(), NOW))).toBe('jwt_missing_claim');
    expect(checkTimes({ exp: s - 1000 }, config({ validate_expiration: false }), NOW).expiresAt).toBe((s - 1000) * 1000);
    expect(code(() => checkTimes({ exp: '9999999999' }, config(), NOW))).toBe('jwt_claim_invalid');
    expect(code(() => checkTimes({ exp: s + 60, nbf: s + 31 }, config(), NOW))).toBe('jwt_not_yet_valid');
    expect(code(() => checkTimes({ exp: s + 60, iat: s + 31 }, config(), NOW))).toBe('jwt_not_yet_valid');
    expect(() => checkTimes({ exp: s + 60, nbf: s + 30, iat: s + 30 }, config(), NOW)).not.toThrow();
  });
  it('max_token_age_seconds needs iat and bounds it', () => {
    const young = config({ max_token_age_seconds: 60 });
    expect(code(() => checkTimes({ exp: s + 60 }, young, NOW))).toBe('jwt_missing_claim');
    expect(code(() => checkTimes({ exp: s + 60, iat: s - 91 }, young, NOW))).toBe('jwt_too_old');
    expect(() => checkTimes({ exp: s + 60, iat: s - 90 }, young, NOW)).not.toThrow();
  });
  it('aud: a string or an array that names a configured audience', () => {
    expect(() => checkAudience({ aud: 'sts' }, issuer())).not.toThrow();
    expect(() => checkAudience({ aud: [1, 'x', 'sts'] }, issuer())).not.toThrow();
    for (const aud of [undefined, 'x', ['x'], { sts: true }]) expect(code(() => checkAudience({ aud }, issuer()))).toBe('jwt_audience_mismatch');
  });
  it('sub: a non-empty string, from the subjects list when there is one; required claims present and not null', () => {
    expect(checkSubject({ sub: 'a' }, issuer())).toBe('a');
    expect(code(() => checkSubject({ sub: '' }, issuer()))).toBe('jwt_missing_claim');
    expect(code(() => checkSubject({ sub: 5 }, issuer()))).toBe('jwt_missing_claim');
    expect(code(() => checkSubject({ sub: 'b' }, issuer({ subjects: ['a'] })))).toBe('jwt_subject_not_allowed');
    expect(() => checkRequiredClaims({ d: 0 }, ['d'])).not.toThrow();
    expect(code(() => checkRequiredClaims({ d: null }, ['d']))).toBe('jwt_missing_claim');
  });
});
