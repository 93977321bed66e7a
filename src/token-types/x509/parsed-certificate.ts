/**
 * One X.509 certificate as input type X509 reads it: node's X509Certificate for what node does
 * (issuer check, signature, EKU) and @peculiar/x509 for what it lacks (dates as
 * Date, KeyUsage bits, basicConstraints pathLen, SANs by type, names by attribute).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { x509 } from './x509-library';

export { x509 };

export class CertificateParseError extends Error {}

export class ParsedCertificate {
  readonly node: X509Certificate;
  readonly asn: x509.X509Certificate;
  /** Lower-case hex SHA-256 of the DER. */
  readonly fingerprint: string;
  private subjectKeyCache: string | undefined;

  constructor(readonly der: Buffer) {
    try {
      this.node = new X509Certificate(der);
      this.asn = new x509.X509Certificate(der);
    } catch (error) {
      throw new CertificateParseError('not a DER X.509 certificate', { cause: error });
    }
    this.fingerprint = createHash('sha256').update(der).digest('hex');
  }

  get notBefore(): Date {
    return this.asn.notBefore;
  }

  get notAfter(): Date {
    return this.asn.notAfter;
  }

  /** basicConstraints cA. */
  get isCa(): boolean {
    return this.node.ca;
  }

  /** basicConstraints pathLenConstraint, when set. */
  get pathLength(): number | undefined {
    return this.asn.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  }

  /** KeyUsage bits, or undefined without the extension. */
  get keyUsage(): x509.KeyUsageFlags | undefined {
    return this.asn.getExtension(x509.KeyUsagesExtension)?.usages;
  }

  /** extendedKeyUsage OIDs, or undefined without the extension. */
  get extendedKeyUsage(): readonly string[] | undefined {
    return this.node.keyUsage;
  }

  /** Serial number as lower-case hex without leading zeros (how CRL entries are compared). */
  get serialNumber(): string {
    return normaliseSerial(this.node.serialNumber);
  }

  /** DER of the subject name, then the SPKI: who this certificate speaks for, whatever its serial or dates. */
  get subjectKey(): string {
    if (this.subjectKeyCache === undefined) {
      const spki = this.node.publicKey.export({ type: 'spki', format: 'der' });
      this.subjectKeyCache = `${Buffer.from(this.asn.subjectName.toArrayBuffer()).toString('hex')}:${spki.toString('hex')}`;
    }
    return this.subjectKeyCache;
  }

  /** SAN entries of one type (`email`, `dns`, `url`, `ip`, ...), in certificate order. */
  subjectAltNames(type: x509.GeneralNameType): string[] {
    const extension = this.asn.getExtension(x509.SubjectAlternativeNameExtension);
    return extension ? extension.names.items.filter((name) => name.type === type).map((name) => name.value) : [];
  }
}

export function normaliseSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

/** Parses DER; a CertificateParseError when it is not a certificate. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  return new ParsedCertificate(der);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * The base64 bodies of the PEM blocks with this label (`CERTIFICATE`, `X509 CRL`), decoded.
 * Tolerates spaces in place of line breaks, as proxies that fold a PEM into one header line send it.
 */
export function pemBlocks(text: string, label: string): Buffer[] {
  const blocks: Buffer[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] !== label) continue;
    const body = match[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) {
      throw new CertificateParseError(`a ${label} PEM block is not valid base64`);
    }
    blocks.push(Buffer.from(body, 'base64'));
  }
  return blocks;
}
