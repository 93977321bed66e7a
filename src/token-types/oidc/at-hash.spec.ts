import { createHash } from 'node:crypto';
import { accessTokenHash } from './at-hash';

describe('accessTokenHash (OpenID Connect Core 3.1.3.6)', () => {
  // The example of OpenID Connect Core appendix A.3/A.4: this access token has this RS256 at_hash.
  it('matches the specification example', () => {
    expect(accessTokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe('77QmUPtjPfzWtF2AnpK9RQ');
  });

  it.each([
    ['ES256', 'sha256', 16],
    ['HS384', 'sha384', 24],
    ['PS512', 'sha512', 32],
    ['EdDSA', 'sha512', 32],
  ])('uses the hash of %s and keeps its left half', (alg, hash, bytes) => {
    const expected = createHash(hash).update('token-value').digest().subarray(0, bytes).toString('base64url');
    expect(accessTokenHash('token-value', alg)).toBe(expected);
  });

  it('refuses an algorithm it has no hash for rather than guessing', () => {
    expect(() => accessTokenHash('x', 'none')).toThrow('No at_hash hash');
  });
});
