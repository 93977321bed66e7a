/** What a certificate this instance's CA issued says: subject, issuer, serial and validity. */
import { X509Certificate } from 'node:crypto';
import { CertificateParseError, parseCertificate, pemBlocks, type ParsedCertificate } from '../../token-types/x509/parsed-certificate';
import { rfc4514 } from '../../token-types/x509/rfc4514';
import { malformedToken } from './token-details-errors';

export interface CertificateDetails {
  readonly certificate: X509Certificate;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  /** The last moment it is valid (inclusive, RFC 5280 4.1.2.5). */
  readonly notAfter: Date;
}

/** One certificate as PEM (as the X509 output issues it) or as base64 DER. */
export function certificateDetailsOf(token: string): CertificateDetails {
  let parsed: ParsedCertificate;
  try {
    const blocks = token.includes('-----BEGIN') ? pemBlocks(token, 'CERTIFICATE') : [Buffer.from(token.trim(), 'base64')];
    if (blocks.length !== 1) throw new CertificateParseError('not exactly one certificate');
    parsed = parseCertificate(blocks[0]!);
  } catch {
    throw malformedToken('X.509 certificate (one PEM block or base64 DER)');
  }
  return {
    certificate: parsed.node,
    subject: rfc4514(parsed.asn.subjectName),
    issuer: rfc4514(parsed.asn.issuerName),
    serialNumber: parsed.node.serialNumber,
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
  };
}
