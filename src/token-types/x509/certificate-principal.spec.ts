import { readFileSync } from 'node:fs';
import { isStsError } from '../../errors/sts-errors';
import { opensslOk, removeOpensslWorkDir, tempPath } from '../../../test/support/openssl';
import { certificateAttributes, principalOf, rfc4514 } from './certificate-principal';
import { parseCertificate, pemBlocks, type ParsedCertificate } from './parsed-certificate';

/** A self-signed certificate made by openssl with this subject (multi-valued RDNs allowed) and extensions. */
function selfSigned(subject: string, ...addext: string[]): ParsedCertificate {
  const key = tempPath('.key.pem');
  const cert = tempPath('.crt.pem');
  opensslOk([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-multivalue-rdn', '-utf8', '-subj', subject, ...addext.flatMap((ext) => ['-addext', ext]),
  ]);
  return parseCertificate(pemBlocks(readFileSync(cert, 'latin1'), 'CERTIFICATE')[0]);
}

afterAll(() => removeOpensslWorkDir());

describe('rfc4514', () => {
  it('writes the last RDN first, joins multi-valued RDNs with +, and escapes special characters', () => {
    // In -subj, a backslash escapes the next character and an unescaped + starts another value of the same RDN.
    const certificate = selfSigned('/DC=test/O=Acme\\, Inc./OU=R\\+D #1/CN=alice+UID=a1');
    expect(rfc4514(certificate.asn.subjectName)).toBe('CN=alice+UID=a1,OU=R\\+D #1,O=Acme\\, Inc.,DC=test');
  });

  it('writes attribute types RFC 4514 does not name as dotted OIDs', () => {
    const certificate = selfSigned('/emailAddress=a@example.com/serialNumber=42/CN=x');
    expect(rfc4514(certificate.asn.subjectName)).toBe('CN=x,2.5.4.5=42,1.2.840.113549.1.9.1=a@example.com');
  });

  it('escapes a leading space or #, a trailing space, quotes and angle brackets as openssl does in RFC 2253 form', () => {
    const key = tempPath('.key.pem');
    const cert = tempPath('.crt.pem');
    opensslOk(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/O=#hash/OU= lead/L=trail /CN=a"b<c>d;e\\\\f=g']);
    const byOpenssl = opensslOk(['x509', '-in', cert, '-noout', '-subject', '-nameopt', 'RFC2253']).trim().replace(/^subject=/, '');
    expect(byOpenssl).toBe('CN=a\\"b\\<c\\>d\\;e\\\\f=g,L=trail\\ ,OU=\\ lead,O=\\#hash');
    expect(rfc4514(parseCertificate(pemBlocks(readFileSync(cert, 'latin1'), 'CERTIFICATE')[0]).asn.subjectName)).toBe(byOpenssl);
  });

  it('keeps non-ASCII characters as UTF-8 text', () => {
    expect(rfc4514(selfSigned('/CN=Zoë Ünïcode').asn.subjectName)).toBe('CN=Zoë Ünïcode');
  });
});

describe('principalOf', () => {
  const certificate = () =>
    selfSigned(
      '/O=Acme/CN=first/CN=alice',
      'subjectAltName = DNS:alice.example.test, email:alice@example.com, DNS:second.example.test, email:second@example.com',
    );

  it('reads each principal_from source', () => {
    const cert = certificate();
    expect(principalOf(cert, 'subject_cn')).toBe('alice'); // the most specific CN
    expect(principalOf(cert, 'san_email')).toBe('alice@example.com');
    expect(principalOf(cert, 'san_dns')).toBe('alice.example.test');
    expect(principalOf(cert, 'subject_dn')).toBe('CN=alice,CN=first,O=Acme');
  });

  it.each(['subject_cn', 'san_email', 'san_dns'] as const)('refuses a certificate without %s', (source) => {
    const bare = selfSigned('/O=No Names Inc');
    let caught: unknown;
    try {
      principalOf(bare, source);
    } catch (error) {
      caught = error;
    }
    expect(isStsError(caught) && { status: caught.status, code: caught.code }).toEqual({ status: 401, code: 'certificate_principal_missing' });
  });

  it('offers the certificate fields to claim mapping', () => {
    const cert = certificate();
    expect(certificateAttributes(cert)).toEqual({
      subject_dn: 'CN=alice,CN=first,O=Acme',
      subject_cn: 'alice',
      issuer_dn: 'CN=alice,CN=first,O=Acme',
      serial_number: expect.stringMatching(/^[0-9a-f]+$/),
      san_email: ['alice@example.com', 'second@example.com'],
      san_dns: ['alice.example.test', 'second.example.test'],
      not_before: cert.notBefore.toISOString(),
      not_after: cert.notAfter.toISOString(),
      fingerprint_sha256: cert.fingerprint,
    });
    expect(certificateAttributes(selfSigned('/O=No Names Inc'))).not.toHaveProperty('subject_cn');
  });
});
