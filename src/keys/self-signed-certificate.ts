/**
 * Self-signed end-entity certificates, built and signed by @peculiar/x509 (node's WebCrypto as
 * its engine), never hand-made ASN.1: for the generated keys of a realm (generated-certificate.ts)
 * and for `rest-sts self-signed-certificate`.
 */
import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { x509, x509Crypto } from '../token-types/x509/x509-library';
import { describeAsymmetricKey } from './key-object-facts';

type WebCryptoAlgorithm = { name: string; hash?: string; namedCurve?: string };

/** ECDSA signs with the hash that matches the curve's strength. */
const EC_HASHES: Record<string, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

export interface CertificateAlgorithms {
  /** How WebCrypto imports the key. */
  readonly importAlgorithm: WebCryptoAlgorithm;
  /** How the certificate is signed: SHA-256 with RSA, the curve's hash with ECDSA, or Ed25519. */
  readonly signingAlgorithm: WebCryptoAlgorithm;
}

/** How `key` signs its own certificate, or undefined for a key that cannot sign one (X25519, small RSA, other curves). */
export function certificateAlgorithmsFor(key: KeyObject): CertificateAlgorithms | undefined {
  const facts = describeAsymmetricKey(key);
  if (facts?.family === 'RSA' && (facts.modulusBits ?? 0) >= 2048) {
    const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importAlgorithm: rsa, signingAlgorithm: rsa };
  }
  if (facts?.family === 'EC' && facts.curve && EC_HASHES[facts.curve]) {
    return { importAlgorithm: { name: 'ECDSA', namedCurve: facts.curve }, signingAlgorithm: { name: 'ECDSA', hash: EC_HASHES[facts.curve] } };
  }
  if (facts?.curve === 'Ed25519') return { importAlgorithm: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
  return undefined;
}

export interface SelfSignedCertificateRequest {
  /** A key {@link certificateAlgorithmsFor} accepts. */
  readonly privateKey: KeyObject;
  /** Subject and issuer. */
  readonly name: x509.Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** x509.KeyUsageFlags: what the key may be used for. */
  readonly keyUsage: number;
}

/**
 * A self-signed end-entity certificate (basicConstraints CA:FALSE, the given keyUsage, a subject
 * key identifier) as PEM, ending with a newline.
 */
export async function selfSignedCertificatePem(request: SelfSignedCertificateRequest): Promise<string> {
  const algorithms = certificateAlgorithmsFor(request.privateKey);
  if (!algorithms) throw new Error(`a ${request.privateKey.asymmetricKeyType} key cannot sign a certificate`);
  const { importAlgorithm, signingAlgorithm } = algorithms;
  const keys = {
    privateKey: await x509Crypto.subtle.importKey('pkcs8', request.privateKey.export({ type: 'pkcs8', format: 'der' }), importAlgorithm, false, ['sign']),
    publicKey: await x509Crypto.subtle.importKey('spki', createPublicKey(request.privateKey).export({ type: 'spki', format: 'der' }), importAlgorithm, true, ['verify']),
  };
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: request.name,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      signingAlgorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(request.keyUsage, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  return `${certificate.toString('pem')}\n`;
}

/** 16 random bytes, first bit clear: a positive serial of at most 20 octets (RFC 5280 4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
