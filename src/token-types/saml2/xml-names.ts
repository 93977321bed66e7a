/**
 * Lexical checks of the XML Schema types SAML output writes from configuration or requests:
 * xs:Name and xs:NCName (XML 1.0 fifth edition, productions 4, 4a, 5; Namespaces in XML 1.0
 * production 4), xs:ID (an NCName), and an absolute URI (RFC 3986 section 4.3, as the uri
 * attribute name format requires).
 */
const NAME_START = 'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NCNAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`, 'u');
const NAME = new RegExp(`^[:${NAME_START}][:${NAME_CHAR}]*$`, 'u');
/** scheme ":" then at least one character, none of them white space or a control character. */
// eslint-disable-next-line no-control-regex
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0000-\u001F\u007F]+$/;

/** The longest SAML ID accepted from a request (saml-core 1.3.4 asks for IDs of 128 to 160 bits; 256 characters is generous). */
export const MAX_SAML_ID_LENGTH = 256;

export function isNcName(value: string): boolean {
  return NCNAME.test(value);
}

export function isXmlName(value: string): boolean {
  return NAME.test(value);
}

/** An xs:ID of a sane length. */
export function isSamlId(value: string): boolean {
  return [...value].length <= MAX_SAML_ID_LENGTH && isNcName(value);
}

export function isAbsoluteUri(value: string): boolean {
  return ABSOLUTE_URI.test(value);
}

// Characters XML 1.0 cannot carry at all (not even escaped).
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Text XML 1.0 can carry (escaped where needed). */
export function isXmlText(value: string): boolean {
  return !NOT_XML_CHAR.test(value);
}
