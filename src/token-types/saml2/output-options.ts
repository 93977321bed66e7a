/** The choices SAML2 output offers by name (the schema's values, readable without the schema classes). */
export const SAML2_TOKEN_FORMS = ['assertion', 'response'] as const;
export type Saml2TokenForm = (typeof SAML2_TOKEN_FORMS)[number];

export const SAML2_ENCODINGS = ['xml', 'base64'] as const;
export type Saml2Encoding = (typeof SAML2_ENCODINGS)[number];

export const ATTRIBUTE_NAME_FORMATS = ['basic', 'uri', 'unspecified'] as const;
export type AttributeNameFormatName = (typeof ATTRIBUTE_NAME_FORMATS)[number];

export const ATTRIBUTE_VALUE_TYPES = ['auto', 'string', 'boolean', 'integer', 'decimal', 'dateTime', 'anyURI'] as const;
export type AttributeValueTypeName = (typeof ATTRIBUTE_VALUE_TYPES)[number];
