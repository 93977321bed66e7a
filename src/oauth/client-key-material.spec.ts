import 'reflect-metadata';
import { canonicalDn, normalisedEmail } from './client-key-material';

describe('canonicalDn', () => {
  it.each([
    ['CN=alice,OU=People,O=STS Test', 'CN=alice,OU=People,O=STS Test'],
    ['CN=alice, OU=People, O=STS Test', 'CN=alice,OU=People,O=STS Test'],
    ['CN=a\\,b+O=x,C=DE', 'CN=a\\,b+O=x,C=DE'],
    ['CN=x,2.5.4.97=VATDE-123', 'CN=x,2.5.4.97=VATDE-123'],
    ['cn=alice,ou=People,o=STS Test', 'CN=alice,OU=People,O=STS Test'],
  ])('writes %s as certificates are rendered: %s', (text, canonical) => {
    expect(canonicalDn(text)).toBe(canonical);
  });

  it.each(['alice', '', 'CN=x,O', 'CN=x,,O=y', 'NOSUCHTYPE=x'])('refuses %j', (text) => {
    expect(canonicalDn(text)).toBeUndefined();
  });
});

describe('normalisedEmail', () => {
  it('lower-cases the domain only', () => {
    expect(normalisedEmail('Alice@EXAMPLE.com')).toBe('Alice@example.com');
  });
});
