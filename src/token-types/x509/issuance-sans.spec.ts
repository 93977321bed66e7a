import { subjectAltNames } from './issuance-sans';

describe('subjectAltNames', () => {
  const mapping = { email: 'mail', dns: 'hosts', uri: 'site' };

  it('maps string and array attributes in the configured order, each value once', () => {
    expect(
      subjectAltNames(mapping, {
        site: 'urn:example:alice',
        hosts: ['a.example.com', 'b.example.com', 'a.example.com'],
        mail: 'alice@example.com',
      }),
    ).toEqual([
      { type: 'email', value: 'alice@example.com' },
      { type: 'dns', value: 'a.example.com' },
      { type: 'dns', value: 'b.example.com' },
      { type: 'url', value: 'urn:example:alice' },
    ]);
  });

  it('skips missing attributes, no attributes at all, and values that are not strings', () => {
    expect(subjectAltNames(mapping, undefined)).toEqual([]);
    expect(subjectAltNames(mapping, { other: 'x' })).toEqual([]);
    expect(subjectAltNames(mapping, { mail: 42, hosts: [true, null, { a: 1 }], site: null })).toEqual([]);
  });

  it('does not read inherited properties as attributes', () => {
    expect(subjectAltNames({ dns: 'constructor' }, {})).toEqual([]);
  });

  it('leaves out values that cannot be written as their SAN type (IA5String, syntax)', () => {
    expect(
      subjectAltNames(mapping, {
        mail: ['zoë@example.com', 'no-at-sign', '@example.com', 'a@', 'a b@example.com', 'ok@example.com'],
        hosts: ['-bad.example', 'bad-.example', 'sp ace.example', 'é.example', 'a..b', '*.example.com', 'x'.repeat(64), 'good.example'],
        site: ['not a uri', '/relative/path', 'https://ok.example/'],
      }),
    ).toEqual([
      { type: 'email', value: 'ok@example.com' },
      { type: 'dns', value: 'good.example' },
      { type: 'url', value: 'https://ok.example/' },
    ]);
  });

  it('ignores SAN types it does not know (the configuration check reports them)', () => {
    expect(subjectAltNames({ ip: 'address' }, { address: '192.0.2.1' })).toEqual([]);
  });
});
