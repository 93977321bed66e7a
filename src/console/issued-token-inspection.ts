/**
 * What the playground shows of an issued token: a JWS decoded (header and claims) and checked
 * against the keys the instance publishes, a JWE's header (its claims are for the recipient), a
 * SAML assertion's issuer, subject, conditions and attributes checked with the instance's signing
 * key, a certificate's fields. The raw token is never returned.
 */
import { X509Certificate } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import type { RealmKey } from '../plugin-api/token-contract';
import { verifyIssuedAssertion } from '../token-types/saml2/issued-assertion-check';

/** What a token is checked against: the instance's JWKS, and for SAML its signing key and issuer. */
export interface InspectionKeys {
  readonly jwks: JSONWebKeySet;
  readonly samlSigningKey?: RealmKey;
  readonly samlIssuer?: string;
}

export type Inspection =
  | { kind: 'jws'; header: object; claims: object; verified: boolean; verification: string }
  | { kind: 'jwe'; header: object; verification: string }
  | { kind: 'saml2'; issuer?: string; subject?: string; conditions: Record<string, string | string[]>; attributes: { name: string; values: string[] }[]; signed: boolean; verified: boolean; verification: string; xml: string }
  | { kind: 'x509'; subject: string; issuer: string; serial_number: string; not_before: string; not_after: string; subject_alt_name?: string; sha256_fingerprint: string }
  | { kind: 'opaque'; length: number };

const SAML_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';

export async function inspectIssuedToken(token: string, keys: InspectionKeys): Promise<Inspection> {
  if (token.trimStart().startsWith('-----BEGIN CERTIFICATE-----')) return inspectCertificate(token);
  const parts = token.split('.');
  if (parts.length === 5) return { kind: 'jwe', header: decodeProtectedHeader(token), verification: 'An encrypted token: only its recipient can decrypt and verify it.' };
  if (parts.length === 3) return inspectJws(token, keys.jwks);
  const xml = samlText(token);
  if (xml !== undefined) return inspectSaml(xml, await samlVerification(token, xml, keys));
  return { kind: 'opaque', length: token.length };
}

async function samlVerification(token: string, xml: string, keys: InspectionKeys): Promise<{ verified: boolean; verification: string }> {
  if (/<(\w+:)?EncryptedAssertion\b/.test(xml)) return { verified: false, verification: 'The assertion is encrypted to the service provider: only it can decrypt it.' };
  if (!/<(\w+:)?Signature\b/.test(xml)) return { verified: false, verification: 'The token is not signed.' };
  const verified = keys.samlIssuer !== undefined && (await verifyIssuedAssertion(token, keys.samlSigningKey, keys.samlIssuer));
  return verified
    ? { verified, verification: `The signature verifies with the instance's signing key ${keys.samlSigningKey!.kid}, the one in its SAML metadata.` }
    : { verified, verification: "The signature does not verify with the instance's signing key." };
}

function inspectCertificate(pem: string): Inspection {
  const certificate = new X509Certificate(pem);
  return {
    kind: 'x509',
    subject: certificate.subject,
    issuer: certificate.issuer,
    serial_number: certificate.serialNumber,
    not_before: new Date(certificate.validFrom).toISOString(),
    not_after: new Date(certificate.validTo).toISOString(),
    ...(certificate.subjectAltName && { subject_alt_name: certificate.subjectAltName }),
    sha256_fingerprint: certificate.fingerprint256,
  };
}

async function inspectJws(token: string, jwks: JSONWebKeySet): Promise<Inspection> {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  if (jwks.keys.length === 0) return { kind: 'jws', header, claims, verified: false, verification: 'The instance publishes no keys to verify it with (a symmetric key signs it).' };
  try {
    await compactVerify(token, createLocalJWKSet(jwks));
    return { kind: 'jws', header, claims, verified: true, verification: `The signature verifies with key ${header.kid ?? '(no kid)'} of the instance's JWKS.` };
  } catch (error) {
    return { kind: 'jws', header, claims, verified: false, verification: `The signature does not verify against the instance's JWKS: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The XML of a SAML token, sent as XML or base64 of XML. */
function samlText(token: string): string | undefined {
  if (token.trimStart().startsWith('<')) return token;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  return decoded.trimStart().startsWith('<') ? decoded : undefined;
}

function inspectSaml(xml: string, verification: { verified: boolean; verification: string }): Inspection {
  const document = new DOMParser({ onError: () => undefined }).parseFromString(xml, 'text/xml');
  const assertion = document.getElementsByTagNameNS(SAML_ASSERTION, 'Assertion')[0] ?? document.documentElement!;
  const first = (name: string) => (assertion.getElementsByTagNameNS(SAML_ASSERTION, name)[0] as Element | undefined) ?? undefined;
  const conditions: Record<string, string | string[]> = {};
  const conditionsElement = first('Conditions');
  for (const name of ['NotBefore', 'NotOnOrAfter']) {
    const value = conditionsElement?.getAttribute(name);
    if (value) conditions[name] = value;
  }
  const audiences = [...assertion.getElementsByTagNameNS(SAML_ASSERTION, 'Audience')].map((element) => element.textContent ?? '');
  if (audiences.length > 0) conditions.Audience = audiences;
  const attributes = [...assertion.getElementsByTagNameNS(SAML_ASSERTION, 'Attribute')].map((attribute) => ({
    name: attribute.getAttribute('Name') ?? '',
    values: [...attribute.getElementsByTagNameNS(SAML_ASSERTION, 'AttributeValue')].map((value) => value.textContent ?? ''),
  }));
  return {
    kind: 'saml2',
    issuer: first('Issuer')?.textContent ?? undefined,
    subject: first('NameID')?.textContent ?? undefined,
    conditions,
    attributes,
    signed: assertion.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature').length > 0,
    ...verification,
    xml: prettyXml(xml),
  };
}

/** One element per line, indented by depth: enough to read an assertion. */
export function prettyXml(xml: string): string {
  let depth = 0;
  return xml
    .replace(/>\s*</g, '>\n<')
    .split('\n')
    .map((line) => {
      if (/^<\//.test(line)) depth = Math.max(depth - 1, 0);
      const indented = '  '.repeat(depth) + line;
      // An opening tag alone on its line (not self-closing, not closed on the same line) opens a level.
      if (/^<[^!?/][^>]*>$/.test(line) && !line.endsWith('/>')) depth++;
      return indented;
    })
    .join('\n');
}
