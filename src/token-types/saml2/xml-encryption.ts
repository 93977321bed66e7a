/**
 * XML encryption (xmlenc-core1) of an assertion, NameID or attribute to the SP's certificate with
 * the xml-encryption library: AES-GCM (default AES-256-GCM) or AES-CBC content encryption, RSA-OAEP
 * key transport (rsa-oaep-mgf1p by default, or xmlenc11 rsa-oaep with SHA-256 and MGF1-SHA-256),
 * the SP certificate in the EncryptedKey's KeyInfo.
 */
import { ConfigFileError, readConfigFile } from '../../common/config-file';
import { X509Certificate } from 'node:crypto';
import { DATA_ENCRYPTION_ALGORITHMS, KEY_TRANSPORT_ALGORITHMS, type DataEncryptionName, type KeyTransportName } from './xml-algorithms';

const MIN_RSA_BITS = 2048;

interface XmlEncOptions {
  rsa_pub: string;
  pem: string;
  encryptionAlgorithm: string;
  keyEncryptionAlgorithm: string;
  keyEncryptionDigest?: 'sha1' | 'sha256' | 'sha512';
  /** xmlenc11 rsa-oaep only: the MGF1 digest, written as an xenc11:MGF element. */
  keyEncryptionMgf?: 'sha1' | 'sha256' | 'sha512';
  /** xml-encryption refuses CBC unless told otherwise, and warns on the console when it is. */
  disallowEncryptionWithInsecureAlgorithm?: boolean;
  warnInsecureAlgorithm?: boolean;
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

export interface XmlEncryptionAlgorithms {
  readonly data: DataEncryptionName;
  readonly keyTransport: KeyTransportName;
}

export const DEFAULT_XML_ENCRYPTION: XmlEncryptionAlgorithms = { data: 'aes256-gcm', keyTransport: 'rsa-oaep-mgf1p' };

/** `xml` (one element, with its namespace declarations) as an xenc:EncryptedData element's XML. */
export function encryptXml(xml: string, to: SpEncryptionCertificate, algorithms: XmlEncryptionAlgorithms = DEFAULT_XML_ENCRYPTION): Promise<string> {
  const transport = KEY_TRANSPORT_ALGORITHMS[algorithms.keyTransport];
  return new Promise((done, fail) => {
    xmlenc.encrypt(
      xml,
      {
        rsa_pub: to.publicKeyPem,
        pem: to.certificatePem,
        encryptionAlgorithm: DATA_ENCRYPTION_ALGORITHMS[algorithms.data],
        keyEncryptionAlgorithm: transport.uri,
        // rsa-oaep-mgf1p fixes MGF1 to SHA-1; its OAEP digest stays SHA-1 too, which every XML
        // encryption implementation (xmlsec1, Shibboleth, OpenSAML) reads by default. xmlenc11
        // rsa-oaep writes both digests (SHA-256) into the EncryptedKey.
        keyEncryptionDigest: transport.digest,
        ...(transport.mgf1 !== undefined && { keyEncryptionMgf: transport.mgf1 }),
        // CBC is the SP's choice when it cannot decrypt GCM (configured per instance, documented).
        disallowEncryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (error, result) => (error || !result ? fail(error ?? new Error('xml-encryption returned nothing')) : done(result)),
    );
  });
}
