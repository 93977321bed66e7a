/**
 * The checks a CA-issued client certificate passes, for input type X509 and for OAuth clients
 * that authenticate with tls_client_auth alike: a path to the configured trust anchors with every
 * link within its validity, an end entity fit for TLS client authentication, and (with a CRL)
 * not revoked. Each refusal is an StsError with its own code.
 */
import type { X509ValidationConfig } from '../../realms/schema/x509-config';
import { buildChain, checkClientUsage, checkValidityPeriod } from './certificate-chain';
import { checkRevocation } from './certificate-revocation';
import type { PresentedCertificate } from './client-certificate-source';
import { trustMaterialFor } from './trust-material';

export function checkCaIssuedCertificate({ leaf, chain }: PresentedCertificate, config: X509ValidationConfig, now: Date): void {
  const material = trustMaterialFor(config);
  if (material.anchors.length === 0) {
    // proxy_verifies_chain without anchors: the trusted proxy checked the chain in its handshake.
    checkValidityPeriod(leaf, now);
    checkClientUsage(leaf);
    return;
  }
  const path = buildChain(leaf, [...chain, ...material.intermediates], material.anchors, now);
  checkClientUsage(leaf);
  if (material.crls) checkRevocation(path, material.crls, now);
}
