/**
 * The instance CA of output type X509 (`x509_issuance.ca_key`): the load-time checks of the
 * realm key and its certificate, and the WebCrypto signer made from it once per key.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { RealmKey } from '../../keys/loaded-key';
import type { RealmKeyResolver } from '../../plugin-api/token-contract';
import { tokenCaCrypto, tokenCaKey } from './token-ca-crypto';
import { x509, x509Crypto } from './x509-library';

type SigningKey = x509.X509CertificateCreateWithKeyParams['signingKey'];

export interface CaSigner {
  readonly signingKey: SigningKey;
  /** The provider that signs with `signingKey`: node's WebCrypto, or the key's token. */
  readonly crypto: typeof x509Crypto;
  /** Hash (and name) of the certificate signature; the key's own algorithm fills in the rest. */
  readonly signingAlgorithm: SignatureAlgorithm;
  /** The CA certificate's subject, the issued certificates' issuer. */
  readonly issuer: x509.Name;
  /** The CA certificate's subjectKeyIdentifier (or the RFC 5280 SHA-1 of its key), hex. */
  readonly authorityKeyId: string;
  readonly notAfter: Date;
}

interface SignatureAlgorithm {
  readonly name: string;
  readonly hash?: string;
}

interface SignatureChoice {
  readonly importAlgorithm: { name: string; hash?: string; namedCurve?: string };
  readonly signingAlgorithm: SignatureAlgorithm;
}

export const MIN_CA_RSA_BITS = 2048;
/** JOSE curve name (RealmKey.curve) -> the ECDSA hash that matches its strength. */
const EC_HASHES: Record<string, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

/** What the CA key signs with, or a problem message. */
function signatureChoice(key: RealmKey): SignatureChoice | string {
  const kid = key.kid;
  switch (key.family) {
    case 'RSA':
      if ((key.modulusBits ?? 0) < MIN_CA_RSA_BITS) {
        return `key "${kid}" is RSA of ${key.modulusBits} bits; a CA key needs at least ${MIN_CA_RSA_BITS}`;
      }
      return {
        importAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      };
    case 'EC': {
      const hash = key.curve && EC_HASHES[key.curve];
      if (!hash) return `key "${kid}" is on curve ${key.curve}; a CA key must be on P-256, P-384 or P-521`;
      return { importAlgorithm: { name: 'ECDSA', namedCurve: key.curve }, signingAlgorithm: { name: 'ECDSA', hash } };
    }
    case 'OKP':
      if (key.curve !== 'Ed25519') return `key "${kid}" is ${key.curve}; a CA key must be RSA, EC or Ed25519`;
      return { importAlgorithm: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
    default:
      return `key "${kid}" is a symmetric key; a CA key must be RSA, EC or Ed25519`;
  }
}

/**
 * Everything wrong with `kid` as the instance CA: the key exists, is active and asymmetric, and
 * has a certificate_file holding a CA certificate (basicConstraints CA:TRUE; keyCertSign when
 * the certificate has keyUsage) that certifies it.
 */
export function caKeyProblem(
  kid: string,
  realm: { readonly path: string; readonly keys: RealmKeyResolver },
  now = new Date(),
): string | undefined {
  const key = realm.keys.get(kid);
  if (!key) return `no key "${kid}" in realm ${realm.path}`;
  if (key.retiredAt) return `key "${kid}" is retired (retired_at); sign with an active key`;
  const choice = signatureChoice(key);
  if (typeof choice === 'string') return choice;
  if (!key.certificate || key.certificateGenerated) return `key "${kid}" has no certificate_file; x509_issuance needs the CA certificate of the key`;
  const facts = certificateFacts(key.certificate);
  const described = `the certificate of key "${kid}" (${key.certificate.subject.replace(/\n/g, ', ')})`;
  if (typeof facts === 'string') return `${described} cannot be read: ${facts}`;
  if (!facts.isCa) return `${described} is not a CA certificate (basicConstraints CA:TRUE is missing)`;
  if (facts.keyUsage !== undefined && (facts.keyUsage & x509.KeyUsageFlags.keyCertSign) === 0) {
    return `${described} has a keyUsage without keyCertSign, so it may not sign certificates`;
  }
  const certifies = key.privateKey ? key.certificate.checkPrivateKey(key.privateKey) : key.certificate.publicKey.equals(key.publicKey!);
  if (!certifies) return `${described} does not certify the private key of "${kid}"`;
  const notAfter = facts.parsed.notAfter;
  if (notAfter.getTime() <= now.getTime()) return `${described} expired on ${notAfter.toISOString()}`;
  return undefined;
}

interface CertificateFacts {
  readonly parsed: x509.X509Certificate;
  readonly isCa: boolean;
  readonly keyUsage?: number;
  /** subjectKeyIdentifier, hex. */
  readonly keyId?: string;
}

/** The CA certificate as @peculiar/x509 reads it, or why it cannot. */
function certificateFacts(certificate: X509Certificate): CertificateFacts | string {
  try {
    const parsed = new x509.X509Certificate(certificate.raw);
    return {
      parsed,
      isCa: parsed.getExtension(x509.BasicConstraintsExtension)?.ca === true,
      keyUsage: parsed.getExtension(x509.KeyUsagesExtension)?.usages,
      keyId: parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
    };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

interface IssuerFacts {
  readonly issuer: x509.Name;
  readonly authorityKeyId: string;
  readonly notAfter: Date;
}

const issuerCache = new WeakMap<X509Certificate, Promise<IssuerFacts>>();

/** What the issued certificates take from the CA certificate; worked out once per certificate. */
function issuerFacts(certificate: X509Certificate): Promise<IssuerFacts> {
  let cached = issuerCache.get(certificate);
  if (!cached) {
    cached = (async () => {
      const facts = certificateFacts(certificate);
      if (typeof facts === 'string') throw new Error(`the CA certificate cannot be read: ${facts}`);
      // Without a subjectKeyIdentifier in the CA certificate: RFC 5280 4.2.1.2 method 1 (SHA-1 of the key), as openssl does.
      const authorityKeyId =
        facts.keyId ?? Buffer.from(await facts.parsed.publicKey.getKeyIdentifier(x509Crypto)).toString('hex');
      return { issuer: facts.parsed.subjectName, authorityKeyId, notAfter: facts.parsed.notAfter };
    })();
    cached.catch(() => issuerCache.delete(certificate));
    issuerCache.set(certificate, cached);
  }
  return cached;
}

const signingKeyCache = new WeakMap<KeyObject, Promise<SigningKey>>();

/** The private key imported into WebCrypto, once per KeyObject. */
function importedSigningKey(privateKey: KeyObject, algorithm: SignatureChoice['importAlgorithm']): Promise<SigningKey> {
  let imported = signingKeyCache.get(privateKey);
  if (!imported) {
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    imported = x509Crypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']) as Promise<SigningKey>;
    // A failure is reported where it happens and retried next time, not cached.
    imported.catch(() => signingKeyCache.delete(privateKey));
    signingKeyCache.set(privateKey, imported);
  }
  return imported;
}

/** The signer of a key that passed caKeyProblem. */
export async function caSigner(key: RealmKey): Promise<CaSigner> {
  const choice = signatureChoice(key);
  if (typeof choice === 'string') throw new Error(choice);
  if (!key.certificate) throw new Error(`key "${key.kid}" has no certificate`);
  if (key.signer) {
    // The key never leaves its token: a stand-in key, and a provider that signs through the token.
    const signingKey = tokenCaKey(choice.importAlgorithm) as unknown as SigningKey;
    return { signingKey, crypto: tokenCaCrypto(key.signer), signingAlgorithm: choice.signingAlgorithm, ...(await issuerFacts(key.certificate)) };
  }
  const [signingKey, issuer] = await Promise.all([
    importedSigningKey(key.privateKey!, choice.importAlgorithm),
    issuerFacts(key.certificate),
  ]);
  return { signingKey, crypto: x509Crypto, signingAlgorithm: choice.signingAlgorithm, ...issuer };
}
