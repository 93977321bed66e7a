import { closestName, editDistance } from './closest-name';

describe('editDistance', () => {
  it.each([
    ['signing_key', 'signing_key', 0],
    ['signin_key', 'signing_key', 1], // a deletion
    ['signing_kye', 'signing_key', 1], // neighbours swapped count once
    ['sigining_key', 'signing_key', 1], // an insertion
    ['typ', 'type', 1],
    ['issuer', 'audience', 7],
  ])('%s -> %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});

describe('closestName', () => {
  const keys = ['signature_algorithm', 'signing_key', 'issuer', 'audience', 'claim_map', 'token_lifetime_seconds'];

  it('names the nearest key within two edits, ignoring case', () => {
    expect(closestName('signing_kye', keys)).toBe('signing_key');
    expect(closestName('Signing_Key', keys)).toBe('signing_key');
    expect(closestName('isuer', keys)).toBe('issuer');
    expect(closestName('audiences', keys)).toBe('audience');
    expect(closestName('token_lifetime_secs', ['token_lifetime_seconds'])).toBeUndefined(); // 3 edits: too far
  });

  it('suggests nothing for an unrelated or very short name', () => {
    expect(closestName('colour', keys)).toBeUndefined();
    expect(closestName('ab', ['ax', 'xy'])).toBeUndefined();
    expect(closestName('x', ['y'])).toBeUndefined();
  });

  it('prefers the closer of two candidates', () => {
    expect(closestName('audiance', ['audiences', 'audience'])).toBe('audience');
    expect(closestName('scopes', ['scope_claim_name', 'scope'])).toBe('scope');
  });
});
