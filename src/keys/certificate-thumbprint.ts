/** `x5t`: base64url SHA-1 of the certificate's DER (RFC 7515 section 4.1.7), computed once per certificate. */
import { createHash, type X509Certificate } from 'node:crypto';

const thumbprints = new WeakMap<X509Certificate, string>();

export function x5tOf(certificate: X509Certificate): string {
  let thumbprint = thumbprints.get(certificate);
  if (thumbprint === undefined) {
    thumbprint = createHash('sha1').update(certificate.raw).digest('base64url');
    thumbprints.set(certificate, thumbprint);
  }
  return thumbprint;
}
