import 'reflect-metadata';
import { Saml2AttributeConfig, Saml2Config } from '../../realms/schema/saml2-config';
import { ATTRNAME_FORMATS } from './assertion-namespaces';
import { attributeProblems, configuredAttributes, defaultNameFormat, releasedAttributes } from './attribute-release';
import type { RequestedAttribute } from './service-provider';

const MAIL_OID = 'urn:oid:0.9.2342.19200300.100.1.3';

function config(attributes: Partial<Saml2AttributeConfig>[] = [], attributeMap: Record<string, string> = {}): Saml2Config {
  return Object.assign(new Saml2Config(), {
    issuer: 'https://idp.test',
    attribute_map: attributeMap,
    attributes: attributes.map((entry) => Object.assign(new Saml2AttributeConfig(), entry)),
  });
}

const identity = { mail: 'alice@example.com', groups: ['staff', 'admins'], age: 42, admin: true, empty: [], nothing: null };

describe('defaultNameFormat', () => {
  it.each([
    [MAIL_OID, 'uri'],
    ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'uri'],
    ['https://example.com/attr', 'uri'],
    ['urn:mace:dir:attribute-def:mail', 'uri'],
    ['email', 'basic'],
    ['memberOf', 'basic'],
    ['first name', 'basic'],
    [':notascheme', 'basic'],
    ['1abc:x', 'basic'],
  ])('%s -> %s', (name, format) => {
    expect(defaultNameFormat(name)).toBe(format);
  });
});

describe('releasedAttributes', () => {
  it('sends a URI-named attribute with the uri NameFormat, any other with basic, attribute_map entries included', () => {
    const released = releasedAttributes(configuredAttributes(config([{ name: MAIL_OID, source: 'mail' }], { email: 'mail', [`${MAIL_OID}.1`]: 'mail' })), identity, []);
    expect(released.map((a) => [a.name, a.nameFormat, a.friendlyName])).toEqual([
      [MAIL_OID, ATTRNAME_FORMATS.uri, undefined],
      ['email', ATTRNAME_FORMATS.basic, undefined],
      [`${MAIL_OID}.1`, ATTRNAME_FORMATS.uri, undefined],
    ]);
  });

  it('writes the configured name format and friendly name as given', () => {
    const released = releasedAttributes(
      configuredAttributes(config([
        { name: MAIL_OID, source: 'mail', name_format: 'basic', friendly_name: 'mail' },
        { name: 'Mail Address', source: 'mail', name_format: 'unspecified' },
      ])),
      identity,
      [],
    );
    expect(released.map((a) => [a.name, a.nameFormat, a.friendlyName])).toEqual([
      [MAIL_OID, ATTRNAME_FORMATS.basic, 'mail'],
      ['Mail Address', ATTRNAME_FORMATS.unspecified, undefined],
    ]);
  });

  it('takes the name format and friendly name the SP requests when the configuration leaves them open', () => {
    const requested: RequestedAttribute[] = [
      { name: MAIL_OID, nameFormat: ATTRNAME_FORMATS.unspecified, friendlyName: 'mail', required: true },
      { name: 'groups', friendlyName: 'Groups', required: false },
    ];
    const released = releasedAttributes(
      configuredAttributes(config([{ name: MAIL_OID, source: 'mail' }, { name: 'groups', source: 'groups', friendly_name: 'memberOf' }], { age: 'age' })),
      identity,
      requested,
    );
    expect(released.map((a) => [a.name, a.nameFormat, a.friendlyName])).toEqual([
      [MAIL_OID, ATTRNAME_FORMATS.unspecified, 'mail'],
      // Configured friendly name wins; the SP names no format, so the default applies.
      ['groups', ATTRNAME_FORMATS.basic, 'memberOf'],
      ['age', ATTRNAME_FORMATS.basic, undefined],
    ]);
    // A configured name format wins over the SP's.
    const explicit = releasedAttributes(configuredAttributes(config([{ name: MAIL_OID, source: 'mail', name_format: 'uri' }])), identity, requested);
    expect(explicit[0].nameFormat).toBe(ATTRNAME_FORMATS.uri);
  });

  it('sends several values for an array, typed; leaves out attributes the identity lacks or has no values for', () => {
    const released = releasedAttributes(
      configuredAttributes(config([
        { name: 'groups', source: 'groups' },
        { name: 'age', source: 'age', value_type: 'string' },
        { name: 'admin', source: 'admin' },
        { name: 'missing', source: 'no-such' },
        { name: 'empty', source: 'empty' },
        { name: 'nothing', source: 'nothing' },
      ])),
      identity,
      [],
    );
    expect(released.map((a) => [a.name, a.values.map((v) => `${v.text}:${v.xsiType}`)])).toEqual([
      ['groups', ['staff:xs:string', 'admins:xs:string']],
      ['age', ['42:xs:string']],
      ['admin', ['true:xs:boolean']],
    ]);
    expect(releasedAttributes(configuredAttributes(config([{ name: 'groups', source: 'groups' }])), undefined, [])).toEqual([]);
  });

  it('refuses a value that does not fit an explicit value_type: 400 unrepresentable_attribute, naming the attribute', () => {
    const attributes = configuredAttributes(config([{ name: 'age', source: 'mail', value_type: 'integer' }]));
    expect(() => releasedAttributes(attributes, identity, [])).toThrow(
      expect.objectContaining({ status: 400, code: 'unrepresentable_attribute', message: expect.stringMatching(/"mail" .* "age" \(value_type integer\): a value is not an integer/) }),
    );
    // The message says what is wrong, never what the value is.
    expect(() => releasedAttributes(attributes, identity, [])).toThrow(expect.objectContaining({ message: expect.not.stringContaining('alice@example.com') }));
  });
});

describe('attributeProblems', () => {
  it('accepts a valid list beside attribute_map', () => {
    expect(attributeProblems(config([{ name: MAIL_OID, source: 'mail', friendly_name: 'mail' }, { name: 'Mail Address', source: 'mail', name_format: 'unspecified' }], { email: 'mail', 'any name, even this': 'cn' }))).toEqual([]);
  });

  it.each([
    [[{ name: 'first name', source: 'cn' }], {}, 'saml2.attributes[0].name', /basic name format requires; set name_format: unspecified/],
    [[{ name: 'email', source: 'cn', name_format: 'uri' }], {}, 'saml2.attributes[0].name', /name_format uri needs an absolute URI/],
    [[{ name: '', source: 'cn' }], {}, 'saml2.attributes[0].name', /not a usable SAML attribute name/],
    [[{ name: 'a\u0001', source: 'cn', name_format: 'unspecified' }], {}, 'saml2.attributes[0].name', /not a usable SAML attribute name/],
    [[{ name: 'x'.repeat(1025), source: 'cn' }], {}, 'saml2.attributes[0].name', /1-1024 XML characters/],
    [[{ name: 'email', source: '' }], {}, 'saml2.attributes[0].source', /names no identity attribute/],
    [[{ name: 'email', source: 'mail', friendly_name: '' }], {}, 'saml2.attributes[0].friendly_name', /non-empty string of XML characters/],
    [[{ name: 'email', source: 'mail' }, { name: 'email', source: 'cn' }], {}, 'saml2.attributes[1].name', /"email" is already sent by saml2\.attributes\[0\]/],
    [[{ name: 'email', source: 'mail' }], { email: 'cn' }, 'saml2.attribute_map.email', /"email" is already sent by saml2\.attributes\[0\]/],
    [[], { ' ': 'cn' }, 'saml2.attribute_map. ', /not a usable SAML attribute name/],
  ] as const)('%j %j -> %s', (attributes, map, path, message) => {
    expect(attributeProblems(config(attributes as never, map))).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});
