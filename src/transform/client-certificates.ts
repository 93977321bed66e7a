/** The certificates a mutual-TLS client presented, leaf first, as DER. */
import type { FastifyRequest } from 'fastify';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export function clientCertificateChain(request: FastifyRequest): Buffer[] {
  const socket = request.raw.socket as Partial<TLSSocket> | undefined;
  if (typeof socket?.getPeerCertificate !== 'function') return [];
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  // issuerCertificate links end in a self-reference at the root.
  for (let cert: PeerCertificate | undefined = socket.getPeerCertificate(true); cert?.raw && !seen.has(cert.fingerprint256); ) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return chain;
}
