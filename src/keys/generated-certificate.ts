/**
 * The self-signed certificate of a generated RSA or EC key, kept beside it as
 * `<STS_DATA_DIR>/keys/<kid>.crt.pem` (each version of a rotating key has its own). It carries the
 * key where an X.509 certificate is the expected container: SAML KeyInfo and IdP metadata.
 *
 * - Subject and issuer CN=<kid>; basicConstraints CA:FALSE; keyUsage digitalSignature for a
 *   `use: sig` key, keyEncipherment (RSA) or keyAgreement (EC) for a `use: enc` key; signed with
 *   SHA-256 (RSA) or ECDSA with the curve's hash.
 * - Valid from 5 minutes before it is made (verifiers whose clocks lag) for 10 years: longer
 *   than a key is normally used, and a rotating key's versions get their own.
 * - Made when missing (also for a key generated before certificates were), and made again when
 *   the stored one cannot be read, does not certify the key (the key file was replaced) or is not
 *   valid now: the file is the server's own, derived from the key, so nothing is lost.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { x509 } from '../token-types/x509/x509-library';
import { selfSignedCertificatePem } from './self-signed-certificate';
import { readStoredFile, replaceStoredFile, storeNewFile } from './stored-key-file';

const CLOCK_LAG_MS = 5 * 60_000;
const VALIDITY_YEARS = 10;

/** Where the certificate of the generated key `kid` is kept. */
export function generatedCertificateFile(dataDir: string, kid: string): string {
  return join(dataDir, 'keys', `${kid}.crt.pem`);
}

/**
 * The stored certificate of the generated key `kid`, made (and stored) when there is no usable
 * one; undefined for keys that get none (OKP, oct). File system errors are thrown.
 */
export async function generatedCertificate(
  kid: string,
  use: 'sig' | 'enc',
  privateKey: KeyObject,
  dataDir: string,
  now: number,
): Promise<X509Certificate | undefined> {
  const keyUsage = keyUsageFor(privateKey, use);
  if (keyUsage === undefined) return undefined;
  const file = generatedCertificateFile(dataDir, kid);
  const stored = await readStoredFile(file);
  const usable = stored === undefined ? undefined : usableCertificate(stored, privateKey, now);
  if (usable) return usable;

  const notBefore = new Date(now - CLOCK_LAG_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const pem = await selfSignedCertificatePem({ privateKey, name: new x509.Name([{ CN: [kid] }]), notBefore, notAfter, keyUsage });
  if (stored === undefined) await storeNewFile(file, pem);
  else await replaceStoredFile(file, pem);
  // Cluster workers starting together may each have made one: all use the one on disk.
  const onDisk = await readStoredFile(file);
  return (onDisk !== undefined && usableCertificate(onDisk, privateKey, now)) || new X509Certificate(pem);
}

function keyUsageFor(key: KeyObject, use: 'sig' | 'enc'): number | undefined {
  const flags = x509.KeyUsageFlags;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return use === 'sig' ? flags.digitalSignature : flags.keyEncipherment;
    case 'ec':
      return use === 'sig' ? flags.digitalSignature : flags.keyAgreement;
    default:
      return undefined;
  }
}

/** The PEM's certificate when it certifies `privateKey` and is valid at `now`. */
function usableCertificate(pem: string, privateKey: KeyObject, now: number): X509Certificate | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const validFrom = Date.parse(certificate.validFrom);
  const validTo = Date.parse(certificate.validTo);
  if (!(validFrom <= now && now < validTo)) return undefined;
  return certificate.checkPrivateKey(privateKey) ? certificate : undefined;
}
