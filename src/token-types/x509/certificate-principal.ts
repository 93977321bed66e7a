/**
 * What a validated client certificate says about its holder: the principal (`principal_from`)
 * and the attributes offered to `claim_map` / `attribute_map`.
 */
import { InvalidTokenError } from '../../errors/sts-errors';
import type { JsonValue } from '../../plugin-api/json';
import type { PrincipalSource } from '../../realms/schema/x509-config';
import { type ParsedCertificate, x509 } from './parsed-certificate';

/**
 * RFC 4514 section 3 short names; every other attribute type is written as its dotted OID.
 * Registering an OID under itself makes @peculiar/x509 report it by OID rather than by its own
 * short names (E, G, SN, T, I), which RFC 4514 does not define.
 */
const RFC4514_NAMES: Record<string, string> = {
  CN: '2.5.4.3',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  C: '2.5.4.6',
  STREET: '2.5.4.9',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  '1.2.840.113549.1.9.1': '1.2.840.113549.1.9.1',
  '2.5.4.42': '2.5.4.42',
  '2.5.4.43': '2.5.4.43',
  '2.5.4.4': '2.5.4.4',
  '2.5.4.12': '2.5.4.12',
};

/** RFC 4514 string of a DER Name: last RDN first, `+` inside an RDN, values escaped. */
export function rfc4514(name: x509.Name): string {
  const named = new x509.Name(name.toArrayBuffer(), RFC4514_NAMES);
  return named
    .toJSON()
    .reverse()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((value) => `${type}=${escapeValue(value)}`))
        .join('+'),
    )
    .join(',');
}

/**
 * RFC 4514 section 2.4. Values that are not strings come from the library already as `#<hex BER>`
 * (section 2.4's hex form), so a leading `#` is left alone.
 */
function escapeValue(value: string): string {
  if (/^#([0-9A-F]{2})+$/.test(value)) return value;
  return value
    .replace(/[\\"+,;<>]/g, '\\$&')
    .replace(/\0/g, '\\00')
    .replace(/^[ #]/, '\\$&')
    .replace(/ $/, '\\ ');
}

/** The most specific (last) common name of the subject, as most TLS stacks read it. */
export function subjectCommonName(certificate: ParsedCertificate): string | undefined {
  return certificate.asn.subjectName.getField('CN').at(-1);
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
      principal = rfc4514(certificate.asn.subjectName);
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
    subject_dn: rfc4514(certificate.asn.subjectName),
    ...(commonName !== undefined && { subject_cn: commonName }),
    issuer_dn: rfc4514(certificate.asn.issuerName),
    serial_number: certificate.serialNumber,
    san_email: certificate.subjectAltNames('email'),
    san_dns: certificate.subjectAltNames('dns'),
    not_before: certificate.notBefore.toISOString(),
    not_after: certificate.notAfter.toISOString(),
    fingerprint_sha256: certificate.fingerprint,
  };
}
