import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectIssuedToken, prettyXml } from './issued-token-inspection';

describe('inspectIssuedToken', () => {
  it('shows the fields of a PEM certificate (X509 output)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sts-inspect-'));
    try {
      const certificateFile = join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', certificateFile, '-subj', '/CN=alice', '-addext', 'subjectAltName=email:alice@example.com', '-days', '2'], { stdio: 'ignore' });
      const inspection = await inspectIssuedToken(readFileSync(certificateFile, 'utf8'), { jwks: { keys: [] } });
      expect(inspection).toEqual({
        kind: 'x509',
        subject: 'CN=alice',
        issuer: 'CN=alice',
        serial_number: expect.stringMatching(/^[0-9A-F]+$/),
        not_before: expect.any(String),
        not_after: expect.any(String),
        subject_alt_name: 'email:alice@example.com',
        sha256_fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a JWE can only be read by its recipient, showing its header', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'rp' })).toString('base64url');
    expect(await inspectIssuedToken(`${header}.a.b.c.d`, { jwks: { keys: [] } })).toEqual({
      kind: 'jwe',
      header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'rp' },
      verification: expect.stringContaining('recipient'),
    });
  });

  it('reports an unsigned SAML assertion as not verified', async () => {
    const xml = '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Issuer>https://idp</saml:Issuer></saml:Assertion>';
    expect(await inspectIssuedToken(Buffer.from(xml).toString('base64'), { jwks: { keys: [] }, samlIssuer: 'https://idp' })).toEqual(
      expect.objectContaining({ kind: 'saml2', issuer: 'https://idp', signed: false, verified: false, verification: 'The token is not signed.' }),
    );
  });

  it('calls anything else opaque, giving only its length', async () => {
    expect(await inspectIssuedToken('abc', { jwks: { keys: [] } })).toEqual({ kind: 'opaque', length: 3 });
  });
});

describe('prettyXml', () => {
  it('puts one element per line, indented by depth', () => {
    expect(prettyXml('<a><b x="1"><c>text</c></b><d/></a>')).toBe('<a>\n  <b x="1">\n    <c>text</c>\n  </b>\n  <d/>\n</a>');
  });
});
