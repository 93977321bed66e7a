/**
 * Parsed client certificates by their exact DER, so a client presenting the same certificate again
 * does not pay for parsing it (node + @peculiar + asn1js) again. Only parsing is saved: the
 * validator still builds the chain against the current trust material and checks validity,
 * usage and revocation on every request.
 */
import { createHash } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from './parsed-certificate';

/** Enough for the clients of a busy instance; each entry is a few KB. */
export const CERTIFICATE_CACHE_SIZE = 1_000;

/** Least recently used first out: a Map iterates in insertion order, and a hit re-inserts. */
export class CertificateCache {
  private readonly entries = new Map<string, ParsedCertificate>();

  constructor(private readonly capacity = CERTIFICATE_CACHE_SIZE) {}

  get size(): number {
    return this.entries.size;
  }

  /** The parsed certificate for `der`; a parse error is thrown (and nothing cached) as by parseCertificate. */
  parse(der: Buffer): ParsedCertificate {
    const key = createHash('sha256').update(der).digest('hex');
    const cached = this.entries.get(key);
    // Comparing the bytes too costs little and makes a hash collision harmless.
    if (cached && cached.der.equals(der)) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    // Own copy: the caller's buffer may be a view into memory that is reused.
    const parsed = parseCertificate(Buffer.from(der));
    this.entries.delete(key);
    this.entries.set(key, parsed);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return parsed;
  }
}

/** The process-wide cache of certificates presented by clients (TLS or proxy header). */
export const presentedCertificates = new CertificateCache();
