/**
 * Enveloped XML signature of an assertion or a Response (saml-core-2.0-os 5.4) with xml-crypto:
 * by default RSA-SHA256 for RSA keys, ECDSA with the hash matched to the curve for EC keys (P-256
 * -> ecdsa-sha256, P-384 -> ecdsa-sha384, P-521 -> ecdsa-sha512, see xml-ecdsa.ts), SHA-256
 * digest; `signature_algorithm` and `digest_algorithm` choose others. Exclusive
 * canonicalisation, KeyInfo with the signing certificate, the ds:Signature placed right after
 * saml:Issuer as the schema requires.
 */
import { keyObjectSigner } from '../../keys/key-object-signer';
import type { RealmKey, RealmKeyResolver } from '../../plugin-api/token-contract';
import type { Saml2Config } from '../../realms/schema/saml2-config';
import { DirectLookupSignedXml } from './direct-lookup-signed-xml';
import { DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS, type SignatureAlgorithmName } from './xml-algorithms';
import { ECDSA_FOR_CURVE } from './xml-ecdsa';
import { withAsyncSignature } from './xml-async-signature';

const RSA_SHA256 = SIGNATURE_ALGORITHMS['rsa-sha256'].uri;
const SHA256 = DIGEST_ALGORITHMS.sha256;
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const MIN_RSA_BITS = 2048;
const TOKEN_HELD = 'held in a PKCS#11 token';

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
      if (!key.curve || !ECDSA_FOR_CURVE[key.curve]) {
        return `key "${kid}" is an EC key on ${key.curve ?? 'an unknown curve'}; SAML assertions are signed with RSA or EC P-256, P-384 or P-521 keys`;
      }
      break;
    case 'oct':
      return `key "${kid}" is a shared secret (oct); SAML assertions are signed with an RSA or EC (P-256, P-384, P-521) key and its certificate`;
    default:
      return `key "${kid}" is a ${key.family} key; SAML assertions are signed with an RSA or EC (P-256, P-384, P-521) key`;
  }
  // The key loader has already checked that the certificate certifies the key.
  if (!key.certificate) return `key "${kid}" has no certificate_file, which the signature's KeyInfo needs`;
  return undefined;
}

/** Why `algorithm` cannot sign with `key` (another key family), or undefined when it can. */
export function signatureAlgorithmProblem(algorithm: SignatureAlgorithmName, key: RealmKey): string | undefined {
  const { family } = SIGNATURE_ALGORITHMS[algorithm];
  if (key.family === family) return undefined;
  return `${algorithm} signs with an ${family} key, and key "${key.kid}" is ${key.family}; choose ${family === 'RSA' ? 'an ecdsa-* algorithm' : 'rsa-sha256 or rsa-sha512'} or another key`;
}

/** The signature and digest methods an instance's saml2 settings choose (signature method: by the key unless set). */
export function signatureOptionsOf(config: Pick<Saml2Config, 'signature_algorithm' | 'digest_algorithm'>): Pick<EnvelopedSignatureOptions, 'signatureAlgorithm' | 'digestAlgorithm'> {
  return {
    ...(config.signature_algorithm !== undefined && { signatureAlgorithm: SIGNATURE_ALGORITHMS[config.signature_algorithm].uri }),
    digestAlgorithm: DIGEST_ALGORITHMS[config.digest_algorithm],
  };
}

/** The signature method for a key that {@link xmlSigningKeyProblem} accepted. */
export function xmlSignatureAlgorithmFor(key: RealmKey): string {
  if (key.family !== 'EC') return RSA_SHA256;
  const algorithm = key.curve ? ECDSA_FOR_CURVE[key.curve] : undefined;
  if (!algorithm) throw new Error(`key "${key.kid}": no XML signature method for EC curve ${key.curve ?? '(unknown)'}`);
  return algorithm;
}

/** Where the ds:Signature goes in the signed element: after its Issuer (Assertion, Response), or first (EntityDescriptor). */
export type SignaturePlacement = 'after-issuer' | 'first-child';

export interface EnvelopedSignatureOptions {
  readonly placement: SignaturePlacement;
  /** Defaults to {@link xmlSignatureAlgorithmFor} the key. */
  readonly signatureAlgorithm?: string;
  /** Defaults to SHA-256. */
  readonly digestAlgorithm?: string;
}

/**
 * Signs the root element of the document `xml` (which carries an `ID`) with an enveloped
 * signature and returns the signed document, signed off the event loop: a key in a PKCS#11 token
 * through its token (one that does not answer rejects with 503 key_unavailable), any other key
 * with node:crypto on the libuv pool.
 */
export async function signEnvelopedXml(xml: string, key: RealmKey, options: EnvelopedSignatureOptions): Promise<string> {
  const base64 = key.certificate!.raw.toString('base64');
  const signatureAlgorithm = options.signatureAlgorithm ?? xmlSignatureAlgorithmFor(key);
  const signer = new DirectLookupSignedXml({
    // xml-crypto insists on a private key; the signature method registered below signs through a KeySigner instead.
    privateKey: key.privateKey ?? TOKEN_HELD,
    signatureAlgorithm,
    canonicalizationAlgorithm: EXC_C14N,
    // KeyInfo written from the certificate loaded (and checked) with the key: given a PEM as
    // publicCert, xml-crypto would parse the certificate twice per signature to publish it.
    getKeyInfoContent: ({ prefix } = {}) => {
      const p = prefix ? `${prefix}:` : '';
      return `<${p}X509Data><${p}X509Certificate>${base64}</${p}X509Certificate></${p}X509Data>`;
    },
  });
  signer.addReference({
    xpath: '/*',
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: options.digestAlgorithm ?? SHA256,
  });
  const location =
    options.placement === 'after-issuer'
      ? { reference: "/*/*[local-name()='Issuer']", action: 'after' as const }
      : { reference: '/*', action: 'prepend' as const };
  // Signed off the event loop: by the key's token, or on the libuv pool.
  withAsyncSignature(signer, signatureAlgorithm, key.signer ?? keyObjectSigner(key.privateKey!));
  await new Promise<void>((resolve, reject) => signer.computeSignature(xml, { prefix: 'ds', location }, (error) => (error ? reject(error) : resolve())));
  return signer.getSignedXml();
}

/**
 * Signs the Assertion or Response document `xml` (whose root carries an `ID`), the signature
 * after its Issuer, and returns the signed document.
 */
export function signAfterIssuer(xml: string, key: RealmKey, algorithms: Pick<EnvelopedSignatureOptions, 'signatureAlgorithm' | 'digestAlgorithm'> = {}): Promise<string> {
  return signEnvelopedXml(xml, key, { placement: 'after-issuer', ...algorithms });
}
