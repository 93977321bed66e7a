/**
 * Builds an unsigned SAML 2.0 assertion (saml-core-2.0-os 2.3.3) with the DOM API: every value
 * from a request, the identity store or the configuration goes in as a text node or attribute
 * value, so the serializer escapes it; nothing is assembled from strings.
 */
import type { X509Certificate } from 'node:crypto';
import { DOMImplementation, type Document, type Element } from '@xmldom/xmldom';
import { randomHex } from '../../common/random-identifier';
import { InvalidRequestError } from '../../errors/sts-errors';
import { DS_NS, SAML_NS, SUBJECT_CONFIRMATION_METHODS, XMLNS_NS, XS_NS, XSI_NS, type SubjectConfirmation } from './assertion-namespaces';
import type { OutputAttribute } from './attribute-release';
import type { NameId } from './name-id';
import { isXmlText } from './xml-names';

export { isXmlText };

/** NotBefore is backdated this much, for relying parties whose clocks run behind. */
export const CLOCK_SKEW_MS = 60_000;

export interface AssertionInput {
  readonly issuer: string;
  readonly audience: string;
  /** Where the assertion is delivered (the ACS URL): the bearer confirmation's Recipient. */
  readonly recipient: string;
  readonly nameId: NameId;
  readonly lifetimeSeconds: number;
  readonly subjectConfirmation: SubjectConfirmation;
  readonly proofCertificate?: X509Certificate;
  /** The SP's AuthnRequest ID, written into the SubjectConfirmationData. */
  readonly inResponseTo?: string;
  readonly authnInstant: Date;
  readonly authnContextClassRef: string;
  /** AuthnStatement@SessionNotOnOrAfter, when the session has an end. */
  readonly sessionNotOnOrAfter?: Date;
  /** Empty -> no AttributeStatement. */
  readonly attributes: readonly OutputAttribute[];
  /** Defaults to the current time. */
  readonly now?: Date;
}

/** `_` + 32 hex digits: an xs:ID (an NCName cannot start with a digit) with 128 random bits. */
export function randomSamlId(): string {
  return `_${randomHex(16)}`;
}

/** xs:dateTime in UTC with whole seconds, as SAML deployments conventionally write it. */
export function samlTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
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

  if (!isXmlText(input.nameId.value)) throw new InvalidRequestError('The principal cannot be written into a SAML assertion.', { code: 'unrepresentable_principal' });
  const subject = el(assertion, 'Subject');
  const nameId = el(subject, 'NameID', input.nameId.value);
  if (input.nameId.nameQualifier !== undefined) nameId.setAttribute('NameQualifier', input.nameId.nameQualifier);
  if (input.nameId.spNameQualifier !== undefined) nameId.setAttribute('SPNameQualifier', input.nameId.spNameQualifier);
  nameId.setAttribute('Format', input.nameId.format);
  const confirmation = el(subject, 'SubjectConfirmation');
  confirmation.setAttribute('Method', SUBJECT_CONFIRMATION_METHODS[input.subjectConfirmation]);
  if (input.subjectConfirmation === 'BEARER') {
    const data = el(confirmation, 'SubjectConfirmationData');
    data.setAttribute('NotOnOrAfter', notOnOrAfter);
    data.setAttribute('Recipient', input.recipient);
    if (input.inResponseTo !== undefined) data.setAttribute('InResponseTo', input.inResponseTo);
  } else if (input.subjectConfirmation === 'HOLDER_OF_KEY') {
    if (!input.proofCertificate) throw new Error('HOLDER_OF_KEY without a proof certificate');
    const data = el(confirmation, 'SubjectConfirmationData');
    data.setAttributeNS(XMLNS_NS, 'xmlns:xsi', XSI_NS);
    data.setAttributeNS(XSI_NS, 'xsi:type', 'saml:KeyInfoConfirmationDataType');
    if (input.inResponseTo !== undefined) data.setAttribute('InResponseTo', input.inResponseTo);
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
  if (input.sessionNotOnOrAfter) authn.setAttribute('SessionNotOnOrAfter', samlTime(input.sessionNotOnOrAfter));
  el(el(authn, 'AuthnContext'), 'AuthnContextClassRef', input.authnContextClassRef);

  const attributes = input.attributes.filter((attribute) => attribute.values.length > 0);
  if (attributes.length > 0) {
    const statement = el(assertion, 'AttributeStatement');
    for (const { name, nameFormat, friendlyName, values } of attributes) {
      const attribute = el(statement, 'Attribute');
      attribute.setAttribute('Name', name);
      attribute.setAttribute('NameFormat', nameFormat);
      if (friendlyName !== undefined) attribute.setAttribute('FriendlyName', friendlyName);
      for (const { text, xsiType } of values) {
        const value = el(attribute, 'AttributeValue', text);
        // Declared on each value, so that the value means the same wherever it is copied to
        // (an EncryptedAttribute, an SP's store): xsi:type names its type by a prefix.
        value.setAttributeNS(XMLNS_NS, 'xmlns:xs', XS_NS);
        value.setAttributeNS(XMLNS_NS, 'xmlns:xsi', XSI_NS);
        value.setAttributeNS(XSI_NS, 'xsi:type', xsiType);
      }
    }
  }
  return doc;
}
