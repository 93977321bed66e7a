/**
 * The JDK's XML Signature API (javax.xml.crypto) as an independent signer: what xmlsec1 1.2 cannot
 * make, RSA-PSS (sha256-rsa-MGF1) enveloped signatures. Java 17+ runs SignEnvelopedPss.java from
 * source; the document template around the signature is the caller's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RSA_PSS_SHA256 = 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1';

const SIGNER = join(__dirname, 'SignEnvelopedPss.java');

/**
 * `xml` (its root carrying an ID, its first child the Issuer) signed by the JDK with RSA-PSS,
 * with the PKCS#8 PEM key file `keyFile` and the certificate `certFile` in KeyInfo.
 */
export function signWithJdkRsaPss(xml: string, keyFile: string, certFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sts-jdk-xmldsig-'));
  try {
    const document = join(dir, 'document.xml');
    writeFileSync(document, xml);
    return execFileSync('java', [SIGNER, document, keyFile, certFile], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
