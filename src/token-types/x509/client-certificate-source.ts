/**
 * Where the client certificate of an X509 input comes from: the TLS handshake (mutual TLS to this
 * server) first; otherwise the configured header set by a TLS-terminating proxy, believed only
 * when the TCP peer is one of `trusted_proxies`. The header carries URL-encoded PEM (nginx
 * `$ssl_client_escaped_cert`) or base64 DER (PingAM's offloaded-TLS header).
 */
import { InvalidRequestError, InvalidTokenError } from '../../errors/sts-errors';
import { normaliseIp } from '../../http/ip-address';
import type { StsRequestContext } from '../../plugin-api/token-contract';
import type { X509ValidationConfig } from '../../realms/schema/x509-config';
import { presentedCertificates } from './certificate-cache';
import { CertificateParseError, pemBlocks, type ParsedCertificate } from './parsed-certificate';

/** Certificates read from one header value, at most (leaf and a few intermediates). */
const MAX_HEADER_CERTIFICATES = 8;
/** Intermediates taken from a TLS chain, at most. */
const MAX_TLS_CERTIFICATES = 8;

export interface PresentedCertificate {
  readonly leaf: ParsedCertificate;
  /** Further certificates the client (or proxy) sent: candidate intermediates, not trusted as such. */
  readonly chain: readonly ParsedCertificate[];
  readonly source: 'tls' | 'header';
}

export function presentedCertificate(request: StsRequestContext, config: X509ValidationConfig): PresentedCertificate {
  if (request.clientCertificateChain.length > 0) {
    const [leaf, ...rest] = request.clientCertificateChain.slice(0, MAX_TLS_CERTIFICATES + 1).map(parsedOrRefused);
    return { leaf, chain: rest, source: 'tls' };
  }
  const header = config.client_certificate_header?.toLowerCase();
  const value = header === undefined ? undefined : request.headers[header];
  if (value === undefined || value === '') {
    throw new InvalidTokenError('A client certificate is required: present one in the TLS handshake.', {
      code: 'client_certificate_required',
    });
  }
  if (!isTrustedProxy(request.remoteAddress, config.trusted_proxies)) {
    throw new InvalidTokenError(`The ${config.client_certificate_header} header is only accepted from a trusted proxy.`, {
      code: 'untrusted_certificate_source',
    });
  }
  if (typeof value !== 'string') throw invalidCertificate(`The ${config.client_certificate_header} header must be sent once.`);
  const [leaf, ...rest] = certificatesFromHeader(value).map(parsedOrRefused);
  return { leaf, chain: rest, source: 'header' };
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
    if (blocks.length > MAX_HEADER_CERTIFICATES) throw invalidCertificate('The client certificate header holds too many certificates.');
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
