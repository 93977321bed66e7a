/**
 * One X.509 certificate as input type X509 reads it: node's X509Certificate for what node does
 * (issuer check, signature, EKU) and @peculiar/x509 for what it lacks (dates as
 * Date, KeyUsage bits, basicConstraints pathLen, SANs by type, names by attribute).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { rfc4514 } from './rfc4514';
import { x509 } from './x509-library';

export { x509 };

export class CertificateParseError extends Error {}

/**
 * Immutable once built, so one instance may serve many requests (see certificate-cache.ts): every
 * value derived here depends on the DER alone and is computed at most once. Nothing time- or
 * configuration-dependent (validity against now, trust, revocation) is decided here.
 */
export class ParsedCertificate {
  readonly node: X509Certificate;
  readonly asn: x509.X509Certificate;
  /** Lower-case hex SHA-256 of the DER. */
  readonly fingerprint: string;
  private readonly derived = new Map<string, unknown>();

  constructor(readonly der: Buffer) {
    try {
      this.node = new X509Certificate(der);
      this.asn = new x509.X509Certificate(der);
    } catch (error) {
      throw new CertificateParseError('not a DER X.509 certificate', { cause: error });
    }
    this.fingerprint = createHash('sha256').update(der).digest('hex');
  }

  /** `compute()` on first use, its result after: @peculiar re-parses extensions on every getExtension. */
  private once<T>(key: string, compute: () => T): T {
    if (!this.derived.has(key)) this.derived.set(key, compute());
    return this.derived.get(key) as T;
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
    return this.once('pathLength', () => this.asn.getExtension(x509.BasicConstraintsExtension)?.pathLength);
  }

  /** KeyUsage bits, or undefined without the extension. */
  get keyUsage(): x509.KeyUsageFlags | undefined {
    return this.once('keyUsage', () => this.asn.getExtension(x509.KeyUsagesExtension)?.usages);
  }

  /** extendedKeyUsage OIDs, or undefined without the extension. */
  get extendedKeyUsage(): readonly string[] | undefined {
    return this.once('extendedKeyUsage', () => {
      const oids = this.node.keyUsage;
      return oids === undefined ? undefined : Object.freeze([...oids]);
    });
  }

  /** Serial number as lower-case hex without leading zeros (how CRL entries are compared). */
  get serialNumber(): string {
    return this.once('serialNumber', () => normaliseSerial(this.node.serialNumber));
  }

  /** DER of the subject name, then the SPKI: who this certificate speaks for, whatever its serial or dates. */
  get subjectKey(): string {
    return this.once('subjectKey', () => {
      const spki = this.node.publicKey.export({ type: 'spki', format: 'der' });
      return `${Buffer.from(this.asn.subjectName.toArrayBuffer()).toString('hex')}:${spki.toString('hex')}`;
    });
  }

  /** Subject as an RFC 4514 string. */
  get subjectDn(): string {
    return this.once('subjectDn', () => rfc4514(this.asn.subjectName));
  }

  /** Issuer as an RFC 4514 string. */
  get issuerDn(): string {
    return this.once('issuerDn', () => rfc4514(this.asn.issuerName));
  }

  /** The most specific (last) common name of the subject, as most TLS stacks read it. */
  get subjectCommonName(): string | undefined {
    return this.once('subjectCommonName', () => this.asn.subjectName.getField('CN').at(-1));
  }

  /** SAN entries of one type (`email`, `dns`, `url`, `ip`, ...), in certificate order; a new array each call. */
  subjectAltNames(type: x509.GeneralNameType): string[] {
    const names = this.once('subjectAltNames', () =>
      Object.freeze(
        (this.asn.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? []).map(({ type, value }) => ({ type, value })),
      ),
    );
    return names.filter((name) => name.type === type).map((name) => name.value);
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
