/**
 * Self-signed end-entity certificates, built and signed by @peculiar/x509 (node's WebCrypto as
 * its engine), never hand-made ASN.1: for the generated keys of a realm (generated-certificate.ts)
 * and for `rest-sts self-signed-certificate`.
 */
import { createPublicKey, type KeyObject, randomBytes, type webcrypto } from 'node:crypto';
import { tokenCaCrypto, tokenCaKey } from '../token-types/x509/token-ca-crypto';
import { x509, x509Crypto } from '../token-types/x509/x509-library';
import { describeAsymmetricKey } from './key-object-facts';
import type { KeySigner } from './key-signer';

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
  /** A key {@link certificateAlgorithmsFor} accepts; or a key in a token (`tokenKey`). */
  readonly privateKey?: KeyObject;
  /** A key held in a PKCS#11 token: its public key, and its signer. */
  readonly tokenKey?: { readonly publicKey: KeyObject; readonly signer: KeySigner };
  /** A CA certificate (basicConstraints CA:TRUE); default an end-entity one. */
  readonly ca?: boolean;
  /** Subject and issuer. */
  readonly name: x509.Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** x509.KeyUsageFlags: what the key may be used for. */
  readonly keyUsage: number;
}

/**
 * A self-signed certificate (basicConstraints CA:FALSE unless `ca`, the given keyUsage, a subject
 * key identifier) as PEM, ending with a newline.
 */
export async function selfSignedCertificatePem(request: SelfSignedCertificateRequest): Promise<string> {
  const publicKey = request.tokenKey?.publicKey ?? createPublicKey(request.privateKey!);
  const algorithms = certificateAlgorithmsFor(publicKey);
  if (!algorithms) throw new Error(`a ${publicKey.asymmetricKeyType} key cannot sign a certificate`);
  const { importAlgorithm, signingAlgorithm } = algorithms;
  const keys = {
    // A key in a token signs through it (token-ca-crypto.ts); any other is imported into WebCrypto.
    privateKey: request.tokenKey
      ? (tokenCaKey(importAlgorithm) as unknown as webcrypto.CryptoKey)
      : await x509Crypto.subtle.importKey('pkcs8', request.privateKey!.export({ type: 'pkcs8', format: 'der' }), importAlgorithm, false, ['sign']),
    publicKey: await x509Crypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), importAlgorithm, true, ['verify']),
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
        new x509.BasicConstraintsExtension(request.ca === true, undefined, true),
        new x509.KeyUsagesExtension(request.keyUsage, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    request.tokenKey ? tokenCaCrypto(request.tokenKey.signer) : x509Crypto,
  );
  return `${certificate.toString('pem')}\n`;
}

/** 16 random bytes, first bit clear: a positive serial of at most 20 octets (RFC 5280 4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
