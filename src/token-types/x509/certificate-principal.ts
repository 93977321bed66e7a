/**
 * What a validated client certificate says about its holder: the principal (`principal_from`)
 * and the attributes offered to `claim_map` / `attribute_map`.
 */
import { InvalidTokenError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import type { PrincipalSource } from '../../realms/schema/x509-config';
import type { ParsedCertificate } from './parsed-certificate';

export { rfc4514 } from './rfc4514';

/** The most specific (last) common name of the subject, as most TLS stacks read it. */
export function subjectCommonName(certificate: ParsedCertificate): string | undefined {
  return certificate.subjectCommonName;
}

export function principalOf(certificate: ParsedCertificate, source: PrincipalSource): string {
  let principal: string | undefined;
  let where: string;
  switch (source) {
    case 'subject_cn':
      principal = subjectCommonName(certificate);
      where = 'a subject common name (CN)';
      break;
    case 'san_email':
      principal = certificate.subjectAltNames('email')[0];
      where = 'an e-mail subject alternative name';
      break;
    case 'san_dns':
      principal = certificate.subjectAltNames('dns')[0];
      where = 'a DNS subject alternative name';
      break;
    case 'subject_dn':
      principal = certificate.subjectDn;
      where = 'a subject name';
      break;
  }
  if (!principal) {
    throw new InvalidTokenError(`The client certificate has no ${where}, which this instance takes the principal from.`, {
      code: 'certificate_principal_missing',
    });
  }
  return principal;
}

/** Certificate fields offered to claim and attribute mapping. */
export function certificateAttributes(certificate: ParsedCertificate): Record<string, JsonValue> {
  const commonName = subjectCommonName(certificate);
  return {
    subject_dn: certificate.subjectDn,
    ...(commonName !== undefined && { subject_cn: commonName }),
    issuer_dn: certificate.issuerDn,
    serial_number: certificate.serialNumber,
    san_email: certificate.subjectAltNames('email'),
    san_dns: certificate.subjectAltNames('dns'),
    not_before: certificate.notBefore.toISOString(),
    not_after: certificate.notAfter.toISOString(),
    fingerprint_sha256: certificate.fingerprint,
  };
}
