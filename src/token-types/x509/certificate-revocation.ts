/**
 * `crl_file`: CRLs read at configuration load, each tied to the CA certificate (a trust anchor or
 * a configured intermediate) whose key verifies its signature. Fail closed: a client certificate
 * whose issuer has no CRL in the file, or whose CRL is past its nextUpdate, is refused rather
 * than accepted unchecked.
 */
import { InvalidTokenError } from '../../errors/sts-errors';
import { CLOCK_SKEW_MS } from './certificate-chain';
import { normaliseSerial, pemBlocks, type ParsedCertificate, x509 } from './parsed-certificate';
import { x509Crypto as crypto } from './x509-library';


export interface LoadedCrl {
  /** The CA certificate that signed it. */
  readonly issuer: ParsedCertificate;
  /** `ParsedCertificate.subjectKey` of the issuer: certificates it covers have an issuer with the same. */
  readonly issuerKey: string;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** Normalised serial numbers (see normaliseSerial). */
  readonly revoked: ReadonlySet<string>;
}

export class CrlLoadError extends Error {}

/**
 * Parses a PEM file of one or more `X509 CRL` blocks, or one DER CRL, and finds each one's issuer
 * among `cas`. `file` only names the file in messages.
 */
export async function loadCrls(content: Buffer, file: string, cas: readonly ParsedCertificate[]): Promise<LoadedCrl[]> {
  const text = content.toString('latin1');
  let ders: Buffer[];
  try {
    ders = text.includes('-----BEGIN') ? pemBlocks(text, 'X509 CRL') : [content];
  } catch {
    throw new CrlLoadError(`${file} holds a PEM block that is not valid base64`);
  }
  if (ders.length === 0) throw new CrlLoadError(`${file} holds no "X509 CRL" PEM block`);
  const loaded: LoadedCrl[] = [];
  for (const [index, der] of ders.entries()) {
    const which = ders.length > 1 ? `CRL #${index + 1} in ${file}` : `The CRL in ${file}`;
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(der);
    } catch {
      throw new CrlLoadError(ders.length > 1 ? `${which} cannot be read as a CRL` : `${file} is not a PEM or DER certificate revocation list`);
    }
    const issuer = await signerOf(crl, cas);
    if (!issuer) {
      throw new CrlLoadError(
        `${which} (issuer "${crl.issuer}") is not signed by any certificate in trust_anchors_file or intermediates_file`,
      );
    }
    const usage = issuer.keyUsage;
    if (usage !== undefined && (usage & x509.KeyUsageFlags.cRLSign) === 0) {
      throw new CrlLoadError(`${which} is signed by "${issuer.asn.subject}", whose keyUsage does not allow cRLSign`);
    }
    loaded.push({
      issuer,
      issuerKey: issuer.subjectKey,
      thisUpdate: crl.thisUpdate,
      nextUpdate: crl.nextUpdate,
      revoked: new Set(crl.entries.map((entry) => normaliseSerial(entry.serialNumber))),
    });
  }
  return loaded;
}

async function signerOf(crl: x509.X509Crl, cas: readonly ParsedCertificate[]): Promise<ParsedCertificate | undefined> {
  const issuerName = Buffer.from(crl.issuerName.toArrayBuffer());
  for (const ca of cas) {
    if (!issuerName.equals(Buffer.from(ca.asn.subjectName.toArrayBuffer()))) continue;
    try {
      if (await crl.verify({ publicKey: ca.asn }, crypto)) return ca;
    } catch {
      // A key type WebCrypto cannot use for this signature: not the signer.
    }
  }
  return undefined;
}

/**
 * The leaf must be covered by a current CRL of its issuer and not listed in it. Intermediates are
 * checked against a CRL of their issuer when the file has one.
 */
export function checkRevocation(path: readonly ParsedCertificate[], crls: readonly LoadedCrl[], now: Date): void {
  // path: leaf, intermediates..., anchor; the anchor is trusted by configuration, not by a CRL.
  for (let index = 0; index < path.length - 1; index++) {
    const certificate = path[index];
    const issuerKey = path[index + 1].subjectKey;
    const covering = crls.filter((crl) => crl.issuerKey === issuerKey);
    const what = index === 0 ? 'The client certificate' : `The CA certificate "${certificate.asn.subject}" in its chain`;
    if (covering.length === 0) {
      if (index > 0) continue;
      throw new InvalidTokenError(
        `${what} cannot be checked for revocation: no CRL of its issuer "${certificate.asn.issuer}" is configured.`,
        { code: 'certificate_revocation_unknown' },
      );
    }
    // A serial listed in any CRL of the issuer is revoked, even in one past its nextUpdate.
    if (covering.some((crl) => crl.revoked.has(certificate.serialNumber))) {
      throw new InvalidTokenError(`${what} has been revoked.`, { code: 'certificate_revoked' });
    }
    if (!covering.some((crl) => crl.nextUpdate === undefined || crl.nextUpdate.getTime() + CLOCK_SKEW_MS >= now.getTime())) {
      throw new InvalidTokenError(
        `The revocation list of "${certificate.asn.issuer}" expired at ${covering[0].nextUpdate!.toISOString()}; the certificate's status is unknown.`,
        { code: 'crl_expired' },
      );
    }
  }
}
