/**
 * Which SAML attributes an assertion carries: `saml2.attributes` entries (name, source, name
 * format, friendly name, value type) and `saml2.attribute_map` entries (name <- source, every
 * other property by default). A name format or friendly name the configuration leaves open is the
 * SP's, when its metadata requests the attribute with one; else an absolute-URI name is sent with
 * the uri name format and any other with basic.
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import type { ConfigurationProblem } from '../../plugin-api/token-contract';
import type { Saml2Config } from '../../realms/schema/saml2-config';
import type { AttributeNameFormatName, AttributeValueTypeName } from './output-options';
import { ATTRNAME_FORMATS } from './assertion-namespaces';
import { AttributeValueError, typedAttributeValues, type TypedValue } from './attribute-values';
import type { RequestedAttribute } from './service-provider';
import { isAbsoluteUri, isXmlName, isXmlText } from './xml-names';

const MAX_ATTRIBUTE_NAME_LENGTH = 1024;

/** One attribute as configured. */
export interface AttributeRelease {
  readonly name: string;
  readonly source: string;
  readonly nameFormat?: AttributeNameFormatName;
  readonly friendlyName?: string;
  readonly valueType: AttributeValueTypeName;
  /** Where it is configured, for messages: `saml2.attributes[0]`, `saml2.attribute_map.email`. */
  readonly path: string;
}

/** One attribute as the assertion carries it. */
export interface OutputAttribute {
  readonly name: string;
  /** A NameFormat URI. */
  readonly nameFormat: string;
  readonly friendlyName?: string;
  readonly values: readonly TypedValue[];
}

/** Every configured attribute: the `attributes` list, then the `attribute_map` entries. */
export function configuredAttributes(config: Saml2Config): AttributeRelease[] {
  return [
    ...config.attributes.map((entry, index) => ({
      name: entry.name,
      source: entry.source,
      nameFormat: entry.name_format,
      friendlyName: entry.friendly_name,
      valueType: entry.value_type,
      path: `saml2.attributes[${index}]`,
    })),
    ...Object.entries(config.attribute_map).map(([name, source]) => ({ name, source, valueType: 'auto' as const, path: `saml2.attribute_map.${name}` })),
  ];
}

/** The name format an attribute is sent with when neither the configuration nor the SP names one. */
export function defaultNameFormat(name: string): AttributeNameFormatName {
  return isAbsoluteUri(name) ? 'uri' : 'basic';
}

/** Configuration problems of the attributes: unusable names, duplicates, empty sources. */
export function attributeProblems(config: Saml2Config): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const firstPathOf = new Map<string, string>();
  for (const attribute of configuredAttributes(config)) {
    const listed = attribute.path.startsWith('saml2.attributes[');
    const at = (field: string) => (listed ? `${attribute.path}.${field}` : attribute.path);
    const nameProblem = listed ? listedNameProblem(attribute) : mappedNameProblem(attribute.name);
    if (nameProblem) problems.push({ path: at('name'), message: nameProblem });
    if (attribute.source.length === 0) problems.push({ path: at('source'), message: 'names no identity attribute' });
    if (attribute.friendlyName !== undefined && (attribute.friendlyName.length === 0 || !isXmlText(attribute.friendlyName))) {
      problems.push({ path: at('friendly_name'), message: 'must be a non-empty string of XML characters' });
    }
    const earlier = firstPathOf.get(attribute.name);
    if (earlier !== undefined) problems.push({ path: at('name'), message: `"${attribute.name}" is already sent by ${earlier}; each attribute name once` });
    else firstPathOf.set(attribute.name, attribute.path);
  }
  return problems;
}

/** attribute_map names are written as given (any XML text), as they always were. */
function mappedNameProblem(name: string): string | undefined {
  if (name.trim().length === 0 || name.length > MAX_ATTRIBUTE_NAME_LENGTH || !isXmlText(name)) {
    return `not a usable SAML attribute name (1-${MAX_ATTRIBUTE_NAME_LENGTH} XML characters)`;
  }
  return undefined;
}

/** A listed attribute's name must suit its name format (saml-core-2.0-os 8.2.2, 8.2.3). */
function listedNameProblem(attribute: AttributeRelease): string | undefined {
  const basic = mappedNameProblem(attribute.name);
  if (basic) return basic;
  const format = attribute.nameFormat ?? defaultNameFormat(attribute.name);
  if (format === 'uri' && !isAbsoluteUri(attribute.name)) return 'name_format uri needs an absolute URI as the name (urn:oid:..., https://...)';
  if (format === 'basic' && !isXmlName(attribute.name)) {
    return 'not an XML name (no spaces, starts with a letter or _), which the basic name format requires; set name_format: unspecified to send it as it is';
  }
  return undefined;
}

/**
 * The attributes of `configured` that the identity has values for, typed and formatted. An
 * identity value that does not fit an explicit value_type refuses the request.
 */
export function releasedAttributes(
  configured: readonly AttributeRelease[],
  identity: Readonly<Record<string, JsonValue>> | undefined,
  requested: readonly RequestedAttribute[],
): OutputAttribute[] {
  if (!identity) return [];
  const released: OutputAttribute[] = [];
  for (const attribute of configured) {
    if (!Object.hasOwn(identity, attribute.source)) continue;
    let values: TypedValue[];
    try {
      values = typedAttributeValues(identity[attribute.source], attribute.valueType);
    } catch (error) {
      if (!(error instanceof AttributeValueError)) throw error;
      throw new InvalidRequestError(
        `The identity attribute "${attribute.source}" cannot be sent as the SAML attribute "${attribute.name}" (value_type ${attribute.valueType}): ${error.message}.`,
        { code: 'unrepresentable_attribute' },
      );
    }
    if (values.length === 0) continue;
    const asRequested = requested.find((candidate) => candidate.name === attribute.name);
    const nameFormat = attribute.nameFormat
      ? ATTRNAME_FORMATS[attribute.nameFormat]
      : (asRequested?.nameFormat ?? ATTRNAME_FORMATS[defaultNameFormat(attribute.name)]);
    const friendlyName = attribute.friendlyName ?? asRequested?.friendlyName;
    released.push({ name: attribute.name, nameFormat, ...(friendlyName !== undefined && { friendlyName }), values });
  }
  return released;
}
