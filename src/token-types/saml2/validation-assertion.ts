/**
 * Reads a verified Assertion (the signed content only): issuer, subject, validity window,
 * audience, bearer subject confirmation (windows, Recipient), authentication statement and attributes.
 */
import type { Element } from '@xmldom/xmldom';
import { InvalidTokenError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import { checkRecipient } from './validation-recipient';
import { NS, textOnly } from './validation-signature';
import { childElements } from './xml-elements';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const AMR_BY_CLASS: Readonly<Record<string, string>> = {
  'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport': 'pwd',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Password': 'pwd',
  'urn:oasis:names:tc:SAML:2.0:ac:classes:X509': 'x509',
};

export interface ReadAssertion {
  readonly issuer: string;
  readonly nameId: string;
  /** ms since the epoch: the earliest NotOnOrAfter of the conditions and bearer confirmations. */
  readonly notOnOrAfter: number;
  readonly authenticatedAt: Date | undefined;
  readonly authenticationMethods: readonly string[];
  /** The AuthnStatement's AuthnContextClassRef, when it has one. */
  readonly authnContextClassRef: string | undefined;
  readonly attributes: Record<string, JsonValue>;
  /** Each bearer SubjectConfirmationData's InResponseTo, undefined where there is none. */
  readonly bearerInResponseTo: readonly (string | undefined)[];
}

export interface AssertionChecks {
  readonly audience: string;
  /** This instance's endpoint URLs: some bearer confirmation must name one as Recipient. */
  readonly recipients: readonly string[];
  readonly clockSkewMs: number;
  readonly now: number;
}

function invalid(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_assertion_invalid' });
}

function one(parent: Element, localName: string, required: true): Element;
function one(parent: Element, localName: string, required: false): Element | undefined;
function one(parent: Element, localName: string, required: boolean): Element | undefined {
  const found = childElements(parent, NS.ASSERTION, localName);
  if (found.length > 1) throw invalid(`${parent.localName} has several ${localName} elements.`);
  if (required && found.length === 0) throw invalid(`${parent.localName} has no ${localName}.`);
  return found[0];
}

function time(element: Element, attribute: string): number | undefined {
  const value = element.getAttribute(attribute);
  if (value === null) return undefined;
  const parsed = DATE_TIME.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) throw invalid(`${element.localName}/@${attribute} is not an xs:dateTime: ${value.slice(0, 40)}`);
  return parsed;
}

/** NotBefore / NotOnOrAfter of `element` against now, both widened by the clock skew. */
function checkWindow(element: Element, { now, clockSkewMs }: AssertionChecks): number | undefined {
  const notBefore = time(element, 'NotBefore');
  const notOnOrAfter = time(element, 'NotOnOrAfter');
  if (notBefore !== undefined && now + clockSkewMs < notBefore) {
    throw new InvalidTokenError(`The assertion is not valid before ${new Date(notBefore).toISOString()}.`, { code: 'saml_assertion_not_yet_valid' });
  }
  if (notOnOrAfter !== undefined && now - clockSkewMs >= notOnOrAfter) {
    throw new InvalidTokenError(`The assertion expired at ${new Date(notOnOrAfter).toISOString()}.`, { code: 'saml_assertion_expired' });
  }
  return notOnOrAfter;
}

export function readAssertion(assertion: Element, checks: AssertionChecks): ReadAssertion {
  if (assertion.getAttribute('Version') !== '2.0') throw invalid('The Assertion is not SAML 2.0.');
  const issuer = textOnly(one(assertion, 'Issuer', true), 'Issuer').trim();

  // Validity window and audience.
  const conditions = one(assertion, 'Conditions', true);
  const expiries: number[] = [];
  const conditionsEnd = checkWindow(conditions, checks);
  if (conditionsEnd !== undefined) expiries.push(conditionsEnd);
  const restrictions = childElements(conditions, NS.ASSERTION, 'AudienceRestriction');
  if (restrictions.length === 0) {
    throw new InvalidTokenError('The assertion has no AudienceRestriction.', { code: 'saml_audience_mismatch' });
  }
  for (const restriction of restrictions) {
    const audiences = childElements(restriction, NS.ASSERTION, 'Audience').map((element) => textOnly(element, 'Audience').trim());
    if (!audiences.includes(checks.audience)) {
      throw new InvalidTokenError(`The assertion is not meant for ${checks.audience}.`, { code: 'saml_audience_mismatch' });
    }
  }

  // Subject: the NameID and a usable bearer confirmation.
  const subject = one(assertion, 'Subject', true);
  const nameIdElement = one(subject, 'NameID', false);
  if (!nameIdElement) {
    throw new InvalidTokenError('The assertion subject has no (plain) NameID.', { code: 'saml_subject_missing' });
  }
  const nameId = textOnly(nameIdElement, 'NameID').trim();
  if (!nameId || nameId.length > 1024) throw new InvalidTokenError('The assertion NameID is empty or too long.', { code: 'saml_subject_missing' });
  const bearers = childElements(subject, NS.ASSERTION, 'SubjectConfirmation').filter((element) => element.getAttribute('Method') === BEARER);
  if (bearers.length === 0) {
    throw new InvalidTokenError('The assertion has no bearer SubjectConfirmation.', { code: 'saml_subject_confirmation_invalid' });
  }
  const confirmationData = bearers.map((bearer) => one(bearer, 'SubjectConfirmationData', false));
  for (const data of confirmationData) {
    const end = data ? checkWindow(data, checks) : undefined;
    if (end !== undefined) expiries.push(end);
  }
  if (expiries.length === 0) {
    throw invalid('The assertion states no NotOnOrAfter (in Conditions or SubjectConfirmationData); it could be replayed forever.');
  }
  checkRecipient(confirmationData, checks.recipients);

  // Authentication statement.
  const authn = childElements(assertion, NS.ASSERTION, 'AuthnStatement')[0];
  const authenticatedAt = authn ? time(authn, 'AuthnInstant') : undefined;
  const classRef = authn ? one(one(authn, 'AuthnContext', false) ?? authn, 'AuthnContextClassRef', false) : undefined;
  const classValue = classRef ? textOnly(classRef, 'AuthnContextClassRef').trim() : '';
  const method = Object.hasOwn(AMR_BY_CLASS, classValue) ? AMR_BY_CLASS[classValue] : 'saml';

  return {
    issuer,
    nameId,
    notOnOrAfter: Math.min(...expiries),
    authenticatedAt: authenticatedAt === undefined ? undefined : new Date(authenticatedAt),
    authenticationMethods: [method],
    authnContextClassRef: classValue || undefined,
    attributes: readAttributes(assertion),
    bearerInResponseTo: confirmationData.map((data) => data?.getAttribute('InResponseTo') ?? undefined),
  };
}

/** Attribute Name -> its value (one) or values (several); xsi:nil values are left out. */
function readAttributes(assertion: Element): Record<string, JsonValue> {
  const values = new Map<string, string[]>();
  for (const statement of childElements(assertion, NS.ASSERTION, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.ASSERTION, 'Attribute')) {
      const name = attribute.getAttribute('Name');
      if (!name) continue;
      const list = values.get(name) ?? [];
      for (const value of childElements(attribute, NS.ASSERTION, 'AttributeValue')) {
        if (value.getAttributeNS(XSI, 'nil') === 'true') continue;
        list.push(value.textContent ?? '');
      }
      values.set(name, list);
    }
  }
  // Object.fromEntries defines own properties, so a name like __proto__ stays a plain key.
  return Object.fromEntries([...values].filter(([, list]) => list.length > 0).map(([name, list]) => [name, list.length === 1 ? list[0] : list]));
}
