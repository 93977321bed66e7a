/**
 * Path building and checking for a client certificate: leaf -> intermediates -> a configured
 * trust anchor, every link an issuer-name match plus a verified signature, every certificate in
 * its validity period, every CA above the leaf a CA (and within its pathLen). Then the leaf: not
 * a CA, and KeyUsage and extendedKeyUsage fit for TLS client authentication.
 */
import { InvalidTokenError } from '../../errors/sts-errors';
import { x509, type ParsedCertificate } from './parsed-certificate';

/** Tolerated difference between our clock and the CA's. */
export const CLOCK_SKEW_MS = 60_000;
/** Signatures between the leaf and the anchor, at most (leaf + 4 intermediates + anchor). */
export const MAX_CHAIN_DEPTH = 5;
/**
 * Paths tried, and signatures verified, before giving up: bounds the work a client sending many
 * (cross-signed) certificates can cause. Name checks are cheap and not counted, so a large anchor
 * bundle costs nothing extra.
 */
const MAX_PATHS = 16;
const MAX_SIGNATURE_CHECKS = 64;

export const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';

/**
 * The path from `leaf` to one of `anchors` (leaf first, anchor last), built from `candidates`
 * (intermediates the client sent and configured ones). Prefers a path whose certificates are all
 * within their validity period; refuses with the reason of the first path found otherwise.
 */
export function buildChain(
  leaf: ParsedCertificate,
  candidates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  now: Date,
): ParsedCertificate[] {
  const intermediates = distinct(candidates.filter((candidate) => candidate.isCa && candidate.fingerprint !== leaf.fingerprint));
  let firstProblem: InvalidTokenError | undefined;
  let tried = 0;
  let signatureChecks = 0;
  // Issuer name (and key identifier, keyCertSign) match, then the issuer's key verifies the signature.
  const issuedBy = (child: ParsedCertificate, parent: ParsedCertificate) =>
    child.node.checkIssued(parent.node) && ++signatureChecks <= MAX_SIGNATURE_CHECKS && verifies(child, parent);
  for (const path of paths([leaf], intermediates, anchors, issuedBy)) {
    const problem = pathProblem(path, now);
    if (!problem) return path;
    firstProblem ??= problem;
    if (++tried >= MAX_PATHS) break;
  }
  throw (
    firstProblem ??
    new InvalidTokenError('The client certificate was not issued by a certificate authority this instance trusts.', {
      code: 'untrusted_certificate',
    })
  );
}

/** Depth-first: anchors before intermediates at each level, so the shortest path comes first. */
function* paths(
  path: ParsedCertificate[],
  intermediates: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
  issuedBy: (child: ParsedCertificate, parent: ParsedCertificate) => boolean,
): Generator<ParsedCertificate[]> {
  const current = path[path.length - 1];
  for (const anchor of anchors) {
    if (issuedBy(current, anchor)) yield [...path, anchor];
  }
  if (path.length >= MAX_CHAIN_DEPTH) return;
  for (const candidate of intermediates) {
    if (path.some((link) => link.fingerprint === candidate.fingerprint)) continue;
    if (issuedBy(current, candidate)) yield* paths([...path, candidate], intermediates, anchors, issuedBy);
  }
}

/** The leaf alone within its validity period: all that is left to check when a proxy verified the chain. */
export function checkValidityPeriod(leaf: ParsedCertificate, now: Date): void {
  const problem = pathProblem([leaf], now);
  if (problem) throw problem;
}

function pathProblem(path: readonly ParsedCertificate[], now: Date): InvalidTokenError | undefined {
  for (const [index, certificate] of path.entries()) {
    const what = index === 0 ? 'The client certificate' : `The CA certificate "${certificate.asn.subject}" in its chain`;
    if (certificate.notAfter.getTime() + CLOCK_SKEW_MS < now.getTime()) {
      return new InvalidTokenError(`${what} expired at ${certificate.notAfter.toISOString()}.`, { code: 'certificate_expired' });
    }
    if (certificate.notBefore.getTime() - CLOCK_SKEW_MS > now.getTime()) {
      return new InvalidTokenError(`${what} is not valid before ${certificate.notBefore.toISOString()}.`, {
        code: 'certificate_not_yet_valid',
      });
    }
    // pathLen counts the intermediates below this CA (the leaf is not one); self-issued ones are rare enough to count too.
    const below = index - 1;
    const limit = index > 0 ? certificate.pathLength : undefined;
    if (limit !== undefined && below > limit) {
      return new InvalidTokenError(`${what} allows ${limit} intermediate CA(s) below it; the chain has ${below}.`, {
        code: 'untrusted_certificate',
      });
    }
  }
  return undefined;
}

/**
 * The leaf must be an end entity (RFC 5280 4.2.1.9: a CA's key is for signing certificates, not for
 * authenticating as one client); KeyUsage, when present, must allow digitalSignature;
 * extendedKeyUsage, when present, clientAuth.
 */
export function checkClientUsage(leaf: ParsedCertificate): void {
  if (leaf.isCa) {
    throw new InvalidTokenError('The client certificate is a CA certificate (basicConstraints CA:TRUE); only end-entity certificates authenticate a client.', {
      code: 'certificate_is_ca',
    });
  }
  const keyUsage = leaf.keyUsage;
  if (keyUsage !== undefined && (keyUsage & x509.KeyUsageFlags.digitalSignature) === 0) {
    throw new InvalidTokenError('The client certificate may not be used for signatures (keyUsage lacks digitalSignature).', {
      code: 'certificate_usage_invalid',
    });
  }
  const extended = leaf.extendedKeyUsage;
  if (extended !== undefined && !extended.includes(CLIENT_AUTH_EKU)) {
    throw new InvalidTokenError('The client certificate is not meant for TLS client authentication (extendedKeyUsage lacks clientAuth).', {
      code: 'certificate_usage_invalid',
    });
  }
}

/**
 * Signature results by (child, parent) object: a fact of the two DERs alone, so a client presenting
 * the same (cached) certificate again is not verified again. Which parents count as trusted, and
 * everything time-dependent, is still decided per request. Weak keys: results go with the certificates.
 */
const signatureResults = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>();

function verifies(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  let byParent = signatureResults.get(child);
  if (!byParent) signatureResults.set(child, (byParent = new WeakMap()));
  let result = byParent.get(parent);
  if (result === undefined) {
    try {
      result = child.node.verify(parent.node.publicKey);
    } catch {
      result = false; // a signature algorithm or key the platform cannot check proves nothing
    }
    byParent.set(parent, result);
  }
  return result;
}

function distinct(certificates: readonly ParsedCertificate[]): ParsedCertificate[] {
  const seen = new Set<string>();
  return certificates.filter((certificate) => !seen.has(certificate.fingerprint) && seen.add(certificate.fingerprint));
}
