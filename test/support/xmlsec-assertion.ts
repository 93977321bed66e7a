/**
 * Bearer SAML assertions from a test IdP: a key and certificate openssl makes, each assertion
 * signed by xmlsec1 (an XML-DSig implementation we did not write), enveloped, exclusive c14n,
 * RSA-SHA256. Shared by the e2e and property suites that need valid SAML2 input.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSelfSigned } from './openssl';

export interface SamlTestIdp {
  readonly key: string;
  readonly cert: string;
}

export interface BearerAssertion {
  readonly issuer: string;
  readonly audience: string;
  /** The STS endpoint the IdP names in the bearer SubjectConfirmationData (one of `saml2_validation.recipients`). */
  readonly recipient: string;
  readonly nameId: string;
  /** Attribute name -> value; default `{mail: nameId}`. */
  readonly attributes?: Readonly<Record<string, string>>;
}

let counter = 0;

/** A self-signed RSA 2048 certificate and its key, as PEM files in `work`. */
export function makeSamlTestIdp(work: string, name = 'idp'): SamlTestIdp {
  const idp = { key: join(work, `${name}.key.pem`), cert: join(work, `${name}.crt.pem`) };
  writeSelfSigned(idp.key, idp.cert, `/CN=${name}`);
  return idp;
}

/** The assertion as raw XML, valid for five minutes, with a fresh ID each call. */
export function signedBearerAssertion(work: string, idp: SamlTestIdp, assertion: BearerAssertion): string {
  const id = `_t${process.pid}n${Date.now()}n${counter++}`;
  const at = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
  const attributes = Object.entries(assertion.attributes ?? { mail: assertion.nameId })
    .map(([name, value]) => `<saml:Attribute Name="${name}"><saml:AttributeValue>${value}</saml:AttributeValue></saml:Attribute>`)
    .join('');
  const xml =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${at(0)}">` +
    `<saml:Issuer>${assertion.issuer}</saml:Issuer>` +
    `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
    `<ds:Reference URI="#${id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
    `<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>` +
    `<saml:Subject><saml:NameID>${assertion.nameId}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${at(300)}" Recipient="${assertion.recipient}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${at(-60)}" NotOnOrAfter="${at(300)}"><saml:AudienceRestriction><saml:Audience>${assertion.audience}</saml:Audience>` +
    `</saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${at(-10)}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`;
  const file = join(work, `${id}.xml`);
  writeFileSync(file, xml);
  return execFileSync('xmlsec1', ['--sign', '--privkey-pem', `${idp.key},${idp.cert}`, '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion', file], { encoding: 'utf8' });
}
