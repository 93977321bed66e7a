/**
 * Where the client certificate of an X509 input comes from: the TLS handshake (mutual TLS to this
 * server) first; otherwise the configured header set by a TLS-terminating proxy, believed only
 * when the TCP peer is one of `trusted_proxies`. The header carries URL-encoded PEM (nginx
 * `$ssl_client_escaped_cert`) or base64 DER (PingAM's offloaded-TLS header): the leaf, optionally
 * followed by CA certificates of its chain.
 *
 * The header must occur once. A proxy that appends its header to the client's instead of
 * replacing it would otherwise hand us "<client's choice>, <real certificate>" (Node joins
 * repeated headers with ", "), and the client's choice, any public certificate, would be the leaf.
 */
import { InvalidRequestError, InvalidTokenError } from '../../errors/sts-errors';
import { normaliseIp } from '../../http/ip-address';
import type { StsRequestContext } from '../../plugin-api/token-contract';
import type { X509ValidationConfig } from '../../realms/schema/x509-config';
import { presentedCertificates } from './certificate-cache';
import { MAX_CHAIN_DEPTH } from './certificate-chain';
import { CertificateParseError, pemBlocks, type ParsedCertificate } from './parsed-certificate';

/** Certificates after the leaf in one header value, at most: the intermediates of the longest chain we accept, and its root. */
const MAX_HEADER_CA_CERTIFICATES = MAX_CHAIN_DEPTH;
/** Intermediates taken from a TLS chain, at most. */
const MAX_TLS_CERTIFICATES = 8;

export interface PresentedCertificate {
  readonly leaf: ParsedCertificate;
  /** Further certificates the client (or proxy) sent: candidate intermediates, not trusted as such. */
  readonly chain: readonly ParsedCertificate[];
  readonly source: 'tls' | 'header';
}

export function presentedCertificate(request: StsRequestContext, config: X509ValidationConfig): PresentedCertificate {
  if (request.clientCertificateChain.length > 0 && !config.proxy_verifies_chain) {
    const [leaf, ...rest] = request.clientCertificateChain.slice(0, MAX_TLS_CERTIFICATES + 1).map(parsedOrRefused);
    return { leaf, chain: rest, source: 'tls' };
  }
  const header = config.client_certificate_header?.toLowerCase();
  const value = header === undefined ? undefined : request.headers[header];
  if (value === undefined || value === '') {
    if (config.proxy_verifies_chain) {
      // Nobody checked the chain of a certificate from a direct handshake: only the proxy's header counts.
      throw new InvalidTokenError(`This instance takes client certificates only from the ${config.client_certificate_header} header of its trusted proxies.`, {
        code: request.clientCertificateChain.length > 0 ? 'untrusted_certificate_source' : 'client_certificate_required',
      });
    }
    throw new InvalidTokenError('A client certificate is required: present one in the TLS handshake.', {
      code: 'client_certificate_required',
    });
  }
  if (!isTrustedProxy(request.remoteAddress, config.trusted_proxies)) {
    throw new InvalidTokenError(`The ${config.client_certificate_header} header is only accepted from a trusted proxy.`, {
      code: 'untrusted_certificate_source',
    });
  }
  if (typeof value !== 'string' || headerOccurrences(request, header!) > 1 || value.includes(',')) {
    // A comma is in neither base64 nor URL-encoded PEM: it is how Node joins a repeated header.
    throw new InvalidRequestError(`The ${config.client_certificate_header} header must occur exactly once in a request.`, {
      code: 'client_certificate_header_repeated',
    });
  }
  const [leaf, ...rest] = certificatesFromHeader(value).map(parsedOrRefused);
  const notCa = rest.findIndex((certificate) => !certificate.isCa);
  if (notCa >= 0) {
    throw new InvalidRequestError(
      `The ${config.client_certificate_header} header holds a second end-entity certificate (#${notCa + 2}); after the client certificate only CA certificates of its chain may follow.`,
      { code: 'client_certificate_chain_invalid' },
    );
  }
  return { leaf, chain: rest, source: 'header' };
}

/** How often the header came in the raw request (names in any letter case); 1 when the raw headers are unknown. */
function headerOccurrences(request: StsRequestContext, lowerCaseName: string): number {
  const raw = request.rawHeaders;
  if (!raw) return 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === lowerCaseName) count++;
  return count;
}

/** DER certificates in a header value: URL-encoded (or plain) PEM, one or more blocks, or base64 DER. */
export function certificatesFromHeader(value: string): Buffer[] {
  let text = value.trim();
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text).trim();
    } catch {
      throw invalidCertificate('The client certificate header is not valid URL encoding.');
    }
  }
  if (text.includes('-----BEGIN')) {
    let blocks: Buffer[];
    try {
      blocks = pemBlocks(text, 'CERTIFICATE');
    } catch {
      throw invalidCertificate('The client certificate header holds a PEM block that is not valid base64.');
    }
    if (blocks.length === 0) throw invalidCertificate('The client certificate header holds no PEM certificate.');
    if (blocks.length > 1 + MAX_HEADER_CA_CERTIFICATES) {
      throw new InvalidRequestError(
        `The client certificate header holds ${blocks.length} certificates; at most the client certificate and ${MAX_HEADER_CA_CERTIFICATES} CA certificates of its chain are accepted.`,
        { code: 'client_certificate_chain_invalid' },
      );
    }
    return blocks;
  }
  const base64 = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) && !/^[A-Za-z0-9_-]+$/.test(base64)) {
    throw invalidCertificate('The client certificate header is neither URL-encoded PEM nor base64 DER.');
  }
  return [Buffer.from(base64, base64.includes('-') || base64.includes('_') ? 'base64url' : 'base64')];
}

function parsedOrRefused(der: Buffer): ParsedCertificate {
  try {
    return presentedCertificates.parse(der);
  } catch (error) {
    if (error instanceof CertificateParseError) throw invalidCertificate('The client certificate cannot be read as an X.509 certificate.');
    throw error;
  }
}

function invalidCertificate(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'invalid_client_certificate' });
}

export function isTrustedProxy(remoteAddress: string, trustedProxies: readonly string[]): boolean {
  const peer = normaliseIp(remoteAddress);
  return peer !== undefined && trustedProxies.some((proxy) => normaliseIp(proxy) === peer);
}
