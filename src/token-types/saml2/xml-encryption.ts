/**
 * XML encryption (xmlenc-core1) of an assertion, NameID or attribute to the SP's certificate with
 * the xml-encryption library: AES-256-GCM content encryption, RSA-OAEP (rsa-oaep-mgf1p) key
 * transport, the SP certificate in the EncryptedKey's KeyInfo.
 */
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import { X509Certificate } from 'node:crypto';

const AES256_GCM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';
const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const MIN_RSA_BITS = 2048;

interface XmlEncOptions {
  rsa_pub: string;
  pem: string;
  encryptionAlgorithm: string;
  keyEncryptionAlgorithm: string;
  keyEncryptionDigest?: 'sha1' | 'sha256' | 'sha512';
}
interface XmlEncLibrary {
  encrypt(content: string, options: XmlEncOptions, callback: (error: Error | null, result?: string) => void): void;
}
// xml-encryption ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xmlenc = require('xml-encryption') as XmlEncLibrary;

/** The SP's certificate, read and checked once at load. */
export interface SpEncryptionCertificate {
  readonly certificatePem: string;
  readonly publicKeyPem: string;
}

export class SpCertificateError extends Error {}

/** Reads `file` (relative to `configDir`): one PEM certificate with an RSA key of at least 2048 bits. */
export async function readSpCertificate(file: string, configDir: string): Promise<SpEncryptionCertificate> {
  let text: string;
  try {
    text = (await readConfigFile(configDir, file)).toString('utf8');
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    throw new SpCertificateError(error.message);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(text);
  } catch {
    throw new SpCertificateError(`${file} is not a PEM X.509 certificate`);
  }
  const key = certificate.publicKey;
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SpCertificateError(`${file} has a ${key.asymmetricKeyType} key; XML encryption uses RSA-OAEP key transport and needs an RSA certificate`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new SpCertificateError(`${file} has an RSA-${bits} key; at least ${MIN_RSA_BITS} bits are needed`);
  return { certificatePem: certificate.toString(), publicKeyPem: key.export({ type: 'spki', format: 'pem' }) as string };
}

/** `xml` (one element, with its namespace declarations) as an xenc:EncryptedData element's XML. */
export function encryptXml(xml: string, to: SpEncryptionCertificate): Promise<string> {
  return new Promise((done, fail) => {
    xmlenc.encrypt(
      xml,
      {
        rsa_pub: to.publicKeyPem,
        pem: to.certificatePem,
        encryptionAlgorithm: AES256_GCM,
        keyEncryptionAlgorithm: RSA_OAEP_MGF1P,
        // rsa-oaep-mgf1p fixes MGF1 to SHA-1; the OAEP digest stays SHA-1 too, which every XML
        // encryption implementation (xmlsec1, Shibboleth, OpenSAML) reads by default.
        keyEncryptionDigest: 'sha1',
      },
      (error, result) => (error || !result ? fail(error ?? new Error('xml-encryption returned nothing')) : done(result)),
    );
  });
}
