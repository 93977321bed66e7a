/**
 * Enveloped XML signature of an assertion (saml-core-2.0-os 5.4) with xml-crypto: RSA-SHA256,
 * SHA-256 digest, exclusive canonicalisation, KeyInfo with the signing certificate, the
 * ds:Signature placed right after saml:Issuer as the schema requires.
 */
import type { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { RealmKey, RealmKeyResolver } from '../../plugin-api/token-contract';

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const MIN_RSA_BITS = 2048;

/** Why `kid` cannot sign SAML assertions, or undefined when it can. */
export function xmlSigningKeyProblem(kid: string, realm: { readonly path: string; readonly keys: RealmKeyResolver }): string | undefined {
  const key = realm.keys.get(kid);
  if (!key) return `no key "${kid}" in realm ${realm.path}`;
  if (key.retiredAt) return `key "${kid}" is retired (retired_at); sign with an active key`;
  if (key.use !== 'sig') return `key "${kid}" has use "${key.use}"; signing needs a key with use "sig"`;
  switch (key.family) {
    case 'RSA':
      if ((key.modulusBits ?? 0) < MIN_RSA_BITS) return `key "${kid}" is RSA-${key.modulusBits}; SAML signing needs at least ${MIN_RSA_BITS} bits`;
      break;
    case 'EC':
      // xml-crypto (the XML signature library) implements no ECDSA signature method.
      return `key "${kid}" is an EC key; SAML assertions are signed with RSA-SHA256 only (the XML signature library has no ECDSA), use an RSA key`;
    case 'oct':
      return `key "${kid}" is a shared secret (oct); SAML assertions are signed with an RSA key and its certificate`;
    default:
      return `key "${kid}" is a ${key.family} key; SAML assertions are signed with an RSA key`;
  }
  // The key loader has already checked that the certificate certifies the key.
  if (!key.certificate) return `key "${kid}" has no certificate_file, which the signature's KeyInfo needs`;
  return undefined;
}

function pemOf(certificate: X509Certificate): string {
  return `-----BEGIN CERTIFICATE-----\n${certificate.raw.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Signs the Assertion document `xml` (whose root carries an `ID`) and returns the signed document. */
export function signAssertionXml(xml: string, key: RealmKey): string {
  const signer = new SignedXml({
    privateKey: key.privateKey,
    publicCert: pemOf(key.certificate!),
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  signer.addReference({
    xpath: "/*[local-name()='Assertion' and namespace-uri()='urn:oasis:names:tc:SAML:2.0:assertion']",
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: SHA256,
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*/*[local-name()='Issuer']", action: 'after' },
  });
  return signer.getSignedXml();
}
