/**
 * What a SAML 2.0 assertion this instance issued says: issuer, principal (the NameID, unless it
 * is encrypted) and validity (Conditions, else the bearer SubjectConfirmationData). Read without
 * trusting it: the provider's own check verifies the signature.
 */
import type { Element } from '@xmldom/xmldom';
import { DS_NS, SAML_NS, SAMLP_NS } from '../../token-types/saml2/assertion-namespaces';
import { issuedXmlOf } from '../../token-types/saml2/issued-assertion-check';
import { childElements } from '../../token-types/saml2/xml-elements';
import { parseStrictXml } from '../../token-types/saml2/xml-safety';
import { malformedToken, notReadable } from './token-details-errors';

export interface SamlDetails {
  readonly issuer: string | undefined;
  readonly principal: string | undefined;
  readonly notBefore: Date | undefined;
  readonly notOnOrAfter: Date | undefined;
  /** Whether the assertion or its Response carries a signature our keys can check. */
  readonly signed: boolean;
}

export function samlDetailsOf(token: string): SamlDetails {
  const xml = issuedXmlOf(token);
  if (xml === undefined) throw malformedToken('SAML 2.0 assertion (XML or base64 of it)');
  let root: Element;
  try {
    root = parseStrictXml(xml).documentElement!;
  } catch {
    throw malformedToken('SAML 2.0 assertion (well-formed XML)');
  }
  let assertion = root;
  let responseSigned = false;
  if (root.namespaceURI === SAMLP_NS && root.localName === 'Response') {
    if (childElements(root, SAML_NS, 'EncryptedAssertion').length > 0) throw encrypted();
    const assertions = childElements(root, SAML_NS, 'Assertion');
    if (assertions.length !== 1) throw malformedToken('SAML 2.0 Response with one Assertion');
    assertion = assertions[0]!;
    responseSigned = childElements(root, DS_NS, 'Signature').length > 0;
  } else if (root.namespaceURI === SAML_NS && root.localName === 'EncryptedAssertion') {
    throw encrypted();
  } else if (root.namespaceURI !== SAML_NS || root.localName !== 'Assertion') {
    throw malformedToken('SAML 2.0 assertion');
  }
  const subject = childElements(assertion, SAML_NS, 'Subject')[0];
  const conditions = childElements(assertion, SAML_NS, 'Conditions')[0];
  const confirmation = subject && childElements(subject, SAML_NS, 'SubjectConfirmation').flatMap((element) => childElements(element, SAML_NS, 'SubjectConfirmationData'))[0];
  return {
    issuer: textOf(childElements(assertion, SAML_NS, 'Issuer')[0]),
    principal: textOf(subject && childElements(subject, SAML_NS, 'NameID')[0]),
    notBefore: timeOf(conditions, 'NotBefore'),
    notOnOrAfter: timeOf(conditions, 'NotOnOrAfter') ?? timeOf(confirmation, 'NotOnOrAfter'),
    signed: responseSigned || childElements(assertion, DS_NS, 'Signature').length > 0,
  };
}

function encrypted(): Error {
  return notReadable('the assertion is encrypted to the service provider, which alone can open it');
}

function textOf(element: Element | undefined): string | undefined {
  const text = element?.textContent?.trim();
  return text ? text : undefined;
}

function timeOf(element: Element | undefined, attribute: string): Date | undefined {
  const value = element?.getAttribute(attribute);
  if (!value) return undefined;
  const time = new Date(value);
  if (!Number.isFinite(time.getTime())) throw malformedToken(`SAML 2.0 assertion (${attribute} is not a time)`);
  return time;
}
