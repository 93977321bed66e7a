import { XMLSerializer } from '@xmldom/xmldom';
import { removeOpensslWorkDir } from '../../../test/support/openssl';
import { schemaCheck } from '../../../test/support/saml-output-checks';
import { buildAssertion } from './assertion-builder';
import { ATTRNAME_FORMATS } from './assertion-namespaces';
import { AttributeValueError, decimalText, typedAttributeValues, type TypedValue } from './attribute-values';
import type { AttributeValueTypeName } from './output-options';

afterAll(() => removeOpensslWorkDir());

const typed = (value: Parameters<typeof typedAttributeValues>[0], type: AttributeValueTypeName) => typedAttributeValues(value, type).map((v) => [v.text, v.xsiType]);

/** An assertion carrying these values as one attribute, as XML text. */
function assertionWith(values: readonly TypedValue[]): string {
  const doc = buildAssertion({
    issuer: 'https://idp.test',
    audience: 'https://sp.test',
    recipient: 'https://sp.test/acs',
    nameId: { value: 'alice', format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' },
    lifetimeSeconds: 60,
    subjectConfirmation: 'BEARER',
    authnInstant: new Date(),
    authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
    attributes: [{ name: 'a', nameFormat: ATTRNAME_FORMATS.basic, values }],
  });
  return new XMLSerializer().serializeToString(doc);
}

describe('typedAttributeValues, auto', () => {
  it('types each value by its JSON type; arrays give one value each, null none', () => {
    expect(typed(['x', true, false, 42, -7, 1.5, null, { k: [1] }, [2]], 'auto')).toEqual([
      ['x', 'xs:string'], ['true', 'xs:boolean'], ['false', 'xs:boolean'], ['42', 'xs:integer'], ['-7', 'xs:integer'],
      ['1.5', 'xs:decimal'], ['{"k":[1]}', 'xs:string'], ['[2]', 'xs:string'],
    ]);
    expect(typed(null, 'auto')).toEqual([]);
  });

  it('drops values XML cannot carry, as attributes always did', () => {
    expect(typed(['ok', 'bad\u0000', '\uFFFE'], 'auto')).toEqual([['ok', 'xs:string']]);
  });

  it('writes numbers JSON gives in exponent form positionally', () => {
    expect(typed([1e21, -1e-7, 1.25e-10, 123456789012.5], 'auto')).toEqual([
      ['1000000000000000000000', 'xs:integer'], ['-0.0000001', 'xs:decimal'], ['0.000000000125', 'xs:decimal'], ['123456789012.5', 'xs:decimal'],
    ]);
    expect(decimalText(1.5e300).startsWith('15')).toBe(true);
    expect(decimalText(1.5e300)).toMatch(/^[0-9]+$/);
    expect(decimalText(2.5e-5)).toBe('0.000025');
  });
});

describe('typedAttributeValues, explicit types', () => {
  it.each([
    ['string', [1, true, 'x', { a: 1 }], [['1', 'xs:string'], ['true', 'xs:string'], ['x', 'xs:string'], ['{"a":1}', 'xs:string']]],
    ['boolean', [true, 'false', '1', '0'], [['true', 'xs:boolean'], ['false', 'xs:boolean'], ['true', 'xs:boolean'], ['false', 'xs:boolean']]],
    ['integer', [3, '-12', '+0042'], [['3', 'xs:integer'], ['-12', 'xs:integer'], ['+0042', 'xs:integer']]],
    ['decimal', [3, 0.5, '-1.25', '.5', '7.'], [['3', 'xs:decimal'], ['0.5', 'xs:decimal'], ['-1.25', 'xs:decimal'], ['.5', 'xs:decimal'], ['7.', 'xs:decimal']]],
    ['dateTime', ['2030-01-02T03:04:05Z', '2024-02-29T00:00:00.5+14:00', '2030-12-31T23:59:59'], [
      ['2030-01-02T03:04:05Z', 'xs:dateTime'], ['2024-02-29T00:00:00.5+14:00', 'xs:dateTime'], ['2030-12-31T23:59:59', 'xs:dateTime'],
    ]],
    ['anyURI', ['https://example.com/a?b=c#d', 'urn:oid:1.2.3', 'relative/path', 'https://例え.jp/%20'], [
      ['https://example.com/a?b=c#d', 'xs:anyURI'], ['urn:oid:1.2.3', 'xs:anyURI'], ['relative/path', 'xs:anyURI'], ['https://例え.jp/%20', 'xs:anyURI'],
    ]],
  ] as const)('%s: %j', (type, values, expected) => {
    const result = typed(values as never, type);
    expect(result).toEqual(expected);
    // Whatever is accepted validates against the SAML schema with its xsi:type.
    const [status, output] = schemaCheck(assertionWith(typedAttributeValues(values as never, type)));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('validates') });
  });

  it.each([
    ['string', 'a\u0000b'],
    ['boolean', 'yes'],
    ['boolean', 2],
    ['boolean', 'TRUE'],
    ['integer', 1.5],
    ['integer', '1e3'],
    ['integer', '12a'],
    ['integer', true],
    ['decimal', '1e3'],
    ['decimal', 'NaN'],
    ['decimal', ''],
    ['dateTime', '2030-02-30T00:00:00Z'],
    ['dateTime', '2023-02-29T00:00:00Z'],
    ['dateTime', '2030-01-02 03:04:05Z'],
    ['dateTime', '2030-01-02T24:00:00Z'],
    ['dateTime', '2030-01-02T03:04:05+15:00'],
    ['dateTime', 1893553445],
    ['anyURI', 'has space'],
    ['anyURI', 'a<b'],
    ['anyURI', ''],
  ] as const)('%s refuses %j', (type, value) => {
    expect(() => typedAttributeValues(value, type)).toThrow(AttributeValueError);
    // The same value in an array is refused too: one bad value refuses the attribute.
    expect(() => typedAttributeValues(['2030-01-02T03:04:05Z', 'true', '1', value], type)).toThrow(AttributeValueError);
  });

  it('the schema check itself refuses a value that does not fit its xsi:type', () => {
    const [status] = schemaCheck(assertionWith([{ text: 'twelve', xsiType: 'xs:integer' }]));
    expect(status).not.toBe(0);
  });
});
