/**
 * Builds an unsigned SAML 2.0 assertion (saml-core-2.0-os 2.3.3) with the DOM API: every value
 * from a request, the identity store or the configuration goes in as a text node or attribute
 * value, so the serializer escapes it; nothing is assembled from strings.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import { DOMImplementation, type Document, type Element } from '@xmldom/xmldom';
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import {
  ATTRNAME_FORMAT_BASIC,
  DS_NS,
  SAML_NS,
  SUBJECT_CONFIRMATION_METHODS,
  XMLNS_NS,
  XSI_NS,
  type SubjectConfirmation,
} from './assertion-namespaces';

/** NotBefore is backdated this much, for relying parties whose clocks run behind. */
export const CLOCK_SKEW_MS = 60_000;

export interface AssertionInput {
  readonly issuer: string;
  readonly audience: string;
  readonly recipient: string;
  readonly nameId: string;
  readonly nameIdFormat: string;
  readonly lifetimeSeconds: number;
  readonly subjectConfirmation: SubjectConfirmation;
  readonly proofCertificate?: X509Certificate;
  readonly authnInstant: Date;
  readonly authnContextClassRef: string;
  /** SAML attribute name -> value(s); empty -> no AttributeStatement. */
  readonly attributes: Readonly<Record<string, JsonValue>>;
  /** Defaults to the current time. */
  readonly now?: Date;
}

/** `_` + 32 hex digits: an xs:ID (an NCName cannot start with a digit) with 128 random bits. */
export function randomSamlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** xs:dateTime in UTC with whole seconds, as SAML deployments conventionally write it. */
export function samlTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// Characters XML 1.0 cannot carry at all (not even escaped).
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlText(value: string): boolean {
  return !NOT_XML_CHAR.test(value);
}

export function buildAssertion(input: AssertionInput): Document {
  const now = input.now ?? new Date();
  const doc = new DOMImplementation().createDocument(SAML_NS, 'saml:Assertion', null);
  const assertion = doc.documentElement!;
  assertion.setAttributeNS(XMLNS_NS, 'xmlns:saml', SAML_NS);
  assertion.setAttribute('ID', randomSamlId());
  assertion.setAttribute('Version', '2.0');
  assertion.setAttribute('IssueInstant', samlTime(now));
  const notOnOrAfter = samlTime(new Date(now.getTime() + input.lifetimeSeconds * 1000));

  const el = (parent: Element, name: string, text?: string): Element => {
    const child = doc.createElementNS(SAML_NS, `saml:${name}`);
    if (text !== undefined) child.appendChild(doc.createTextNode(text));
    parent.appendChild(child);
    return child;
  };

  el(assertion, 'Issuer', input.issuer);

  if (!isXmlText(input.nameId)) throw new InvalidRequestError('The principal cannot be written into a SAML assertion.', { code: 'unrepresentable_principal' });
  const subject = el(assertion, 'Subject');
  el(subject, 'NameID', input.nameId).setAttribute('Format', input.nameIdFormat);
  const confirmation = el(subject, 'SubjectConfirmation');
  confirmation.setAttribute('Method', SUBJECT_CONFIRMATION_METHODS[input.subjectConfirmation]);
  if (input.subjectConfirmation === 'BEARER') {
    const data = el(confirmation, 'SubjectConfirmationData');
    data.setAttribute('NotOnOrAfter', notOnOrAfter);
    data.setAttribute('Recipient', input.recipient);
  } else if (input.subjectConfirmation === 'HOLDER_OF_KEY') {
    if (!input.proofCertificate) throw new Error('HOLDER_OF_KEY without a proof certificate');
    const data = el(confirmation, 'SubjectConfirmationData');
    data.setAttributeNS(XMLNS_NS, 'xmlns:xsi', XSI_NS);
    data.setAttributeNS(XSI_NS, 'xsi:type', 'saml:KeyInfoConfirmationDataType');
    const keyInfo = data.appendChild(doc.createElementNS(DS_NS, 'ds:KeyInfo')) as Element;
    keyInfo.setAttributeNS(XMLNS_NS, 'xmlns:ds', DS_NS);
    const x509Data = keyInfo.appendChild(doc.createElementNS(DS_NS, 'ds:X509Data'));
    const certificate = x509Data.appendChild(doc.createElementNS(DS_NS, 'ds:X509Certificate'));
    certificate.appendChild(doc.createTextNode(input.proofCertificate.raw.toString('base64')));
  }

  const conditions = el(assertion, 'Conditions');
  conditions.setAttribute('NotBefore', samlTime(new Date(now.getTime() - CLOCK_SKEW_MS)));
  conditions.setAttribute('NotOnOrAfter', notOnOrAfter);
  el(el(conditions, 'AudienceRestriction'), 'Audience', input.audience);

  const authn = el(assertion, 'AuthnStatement');
  authn.setAttribute('AuthnInstant', samlTime(input.authnInstant));
  authn.setAttribute('SessionIndex', randomSamlId());
  el(el(authn, 'AuthnContext'), 'AuthnContextClassRef', input.authnContextClassRef);

  const attributes = Object.entries(input.attributes)
    .map(([name, value]) => [name, attributeValues(value)] as const)
    .filter(([, values]) => values.length > 0);
  if (attributes.length > 0) {
    const statement = el(assertion, 'AttributeStatement');
    for (const [name, values] of attributes) {
      const attribute = el(statement, 'Attribute');
      attribute.setAttribute('Name', name);
      attribute.setAttribute('NameFormat', ATTRNAME_FORMAT_BASIC);
      for (const value of values) el(attribute, 'AttributeValue', value);
    }
  }
  return doc;
}

/** An identity attribute as AttributeValue texts: arrays give one each; null and what XML cannot carry give none. */
function attributeValues(value: JsonValue): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter((item) => item !== null)
    .map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item)))
    .filter(isXmlText);
}
