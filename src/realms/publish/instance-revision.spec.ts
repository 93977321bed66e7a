import { refusal } from '../../../test/support/sts-refusal';
import { checkIfMatch, etagOf, revisionOf } from './instance-revision';

describe('instance revision (_rev / ETag)', () => {
  it('is the same for the same state whatever the key order, and differs for any change', () => {
    const a = revisionOf({ realm: '/', name: 'x', oidc: { issuer: 'https://a', audience: ['b'] } });
    expect(revisionOf({ oidc: { audience: ['b'], issuer: 'https://a' }, name: 'x', realm: '/' })).toBe(a);
    expect(revisionOf({ realm: '/', name: 'x', oidc: { issuer: 'https://a', audience: ['c'] } })).not.toBe(a);
    expect(revisionOf({ realm: '/', name: 'y', oidc: { issuer: 'https://a', audience: ['b'] } })).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(etagOf(a)).toBe(`"${a}"`);
  });

  it.each([undefined, '*', ' * ', 'r1', '"r1"', 'W/"r1"', '"r0", "r1"'])('If-Match %j passes for revision r1', (ifMatch) => {
    expect(() => checkIfMatch(ifMatch, 'r1', '/x')).not.toThrow();
  });

  it.each(['r0', '"r0"', '', '"r0", W/"r2"', 'r1x'])('If-Match %j is 412 revision_mismatch for revision r1', (ifMatch) => {
    const error = refusal(() => checkIfMatch(ifMatch, 'r1', '/eu/partners'));
    expect(error).toMatchObject({ status: 412, code: 'revision_mismatch' });
    expect(error.message).toContain('/eu/partners');
  });
});
