/**
 * An identity attribute's value(s) as typed SAML AttributeValues: the lexical form of an XML
 * Schema built-in type and its xsi:type. `auto` types each value by its JSON type and drops what
 * XML cannot carry (as attributes always were); an explicit type refuses a value that does not
 * fit it, so nothing invalid is ever written.
 */
import type { JsonValue } from '../../plugin-api/json';
import type { AttributeValueTypeName } from './output-options';
import { isXmlText } from './xml-names';

export type XsiType = 'xs:string' | 'xs:boolean' | 'xs:integer' | 'xs:decimal' | 'xs:dateTime' | 'xs:anyURI';

export interface TypedValue {
  readonly text: string;
  readonly xsiType: XsiType;
}

/** A value that does not fit the attribute's configured type; the message says why, not what the value is. */
export class AttributeValueError extends Error {}

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
const DATE_TIME = /^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))?$/;
/** RFC 3987 IRI characters: RFC 3986 unreserved and reserved ASCII, percent-escapes, non-ASCII. */
const ANY_URI = /^([A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}|[^\u0000-\u007F])+$/u; // eslint-disable-line no-control-regex

/** `value` (one value or an array of them; null gives none) as AttributeValues of `type`. */
export function typedAttributeValues(value: JsonValue, type: AttributeValueTypeName): TypedValue[] {
  const list = (Array.isArray(value) ? value : [value]).filter((item) => item !== null);
  if (type === 'auto') return list.map(autoTyped).filter((typed): typed is TypedValue => typed !== undefined);
  return list.map((item) => ({ text: lexicalForm(item, type), xsiType: `xs:${type}` as XsiType }));
}

function autoTyped(item: JsonValue): TypedValue | undefined {
  if (typeof item === 'boolean') return { text: String(item), xsiType: 'xs:boolean' };
  if (typeof item === 'number') return Number.isInteger(item) ? { text: integerText(item), xsiType: 'xs:integer' } : { text: decimalText(item), xsiType: 'xs:decimal' };
  const text = typeof item === 'string' ? item : JSON.stringify(item);
  return isXmlText(text) ? { text, xsiType: 'xs:string' } : undefined;
}

function lexicalForm(item: JsonValue, type: Exclude<AttributeValueTypeName, 'auto'>): string {
  switch (type) {
    case 'string': {
      const text = typeof item === 'string' ? item : typeof item === 'object' ? JSON.stringify(item) : String(item);
      if (!isXmlText(text)) throw new AttributeValueError('a value contains characters XML cannot carry');
      return text;
    }
    case 'boolean':
      if (typeof item === 'boolean') return String(item);
      if (item === 'true' || item === '1') return 'true';
      if (item === 'false' || item === '0') return 'false';
      throw new AttributeValueError('a value is not a boolean (true, false, 1 or 0)');
    case 'integer':
      if (typeof item === 'number' && Number.isInteger(item)) return integerText(item);
      if (typeof item === 'string' && INTEGER.test(item)) return item;
      throw new AttributeValueError('a value is not an integer');
    case 'decimal':
      if (typeof item === 'number') return Number.isInteger(item) ? integerText(item) : decimalText(item);
      if (typeof item === 'string' && DECIMAL.test(item)) return item;
      throw new AttributeValueError('a value is not a decimal number');
    case 'dateTime':
      if (typeof item === 'string' && isDateTime(item)) return item;
      throw new AttributeValueError('a value is not an xs:dateTime (2030-01-02T03:04:05Z)');
    case 'anyURI':
      if (typeof item === 'string' && ANY_URI.test(item)) return item;
      throw new AttributeValueError('a value is not a URI');
  }
}

/** Integers in positional notation (String(1e21) would be exponential, which xs:integer is not). */
function integerText(value: number): string {
  return BigInt(value).toString();
}

/** A JSON number's shortest round-trip digits, in the positional notation xs:decimal requires. */
export function decimalText(value: number): string {
  const text = String(value);
  const exponential = /^(-?)([0-9]+)(?:\.([0-9]+))?e([+-][0-9]+)$/.exec(text);
  if (!exponential) return text;
  const [, sign, whole, fraction = '', exponent] = exponential;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, , zone, zoneHours, zoneMinutes] = match;
  const y = Number(year);
  const m = Number(month);
  const daysInMonth = new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !isLeapYear(y) ? 1 : 0);
  if (y === 0 || m < 1 || m > 12 || Number(day) < 1 || Number(day) > daysInMonth) return false;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return false;
  return zone === undefined || zone === 'Z' || (Number(zoneHours) * 60 + Number(zoneMinutes) <= 14 * 60 && Number(zoneMinutes) <= 59);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
