/**
 * subjectAltName entries of an issued certificate from identity attributes
 * (`x509_issuance.subject_alt_names`: SAN type <- attribute name).
 */
import type { JsonValue } from '../../plugin-api/json';
import type { x509 } from './x509-library';

export const SAN_TYPES = ['email', 'dns', 'uri'] as const;
export type SanType = (typeof SAN_TYPES)[number];

/** The library's GeneralName type for each SAN type. */
const GENERAL_NAME_TYPE: Record<SanType, x509.JsonGeneralName['type']> = { email: 'email', dns: 'dns', uri: 'url' };

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/**
 * Whether `value` can be written as this SAN type: rfc822Name, dNSName and
 * uniformResourceIdentifier are IA5Strings, so only ASCII, and each has a syntax of its own.
 */
function acceptable(type: SanType, value: string): boolean {
  if (!PRINTABLE_ASCII.test(value)) return false;
  switch (type) {
    case 'email': {
      const at = value.lastIndexOf('@');
      return at > 0 && at < value.length - 1 && isDnsName(value.slice(at + 1));
    }
    case 'dns':
      return isDnsName(value);
    case 'uri':
      return URL.canParse(value) && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value);
  }
}

function isDnsName(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => DNS_LABEL.test(label));
}

function stringsOf(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/**
 * The SAN entries, in the configured order; a missing attribute adds nothing, an array adds each
 * string, and a value that is not a valid name of its type (not ASCII, no domain, ...) is left out.
 */
export function subjectAltNames(
  mapping: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, JsonValue>> | undefined,
): x509.JsonGeneralName[] {
  const names: x509.JsonGeneralName[] = [];
  const seen = new Set<string>();
  for (const [type, attribute] of Object.entries(mapping)) {
    if (!(SAN_TYPES as readonly string[]).includes(type) || !attributes || !Object.hasOwn(attributes, attribute)) continue;
    for (const value of stringsOf(attributes[attribute])) {
      const key = `${type}:${value}`;
      if (seen.has(key) || !acceptable(type as SanType, value)) continue;
      seen.add(key);
      names.push({ type: GENERAL_NAME_TYPE[type as SanType], value });
    }
  }
  return names;
}
