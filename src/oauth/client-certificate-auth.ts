/**
 * Client authentication by TLS client certificate (RFC 8705 section 2). The certificate comes as
 * for input type X509: from mutual TLS to this server first, else from the instance's
 * `x509_validation.client_certificate_header`, believed only from its `trusted_proxies`, under
 * the same rules (one occurrence, leaf then CA certificates).
 *
 * - tls_client_auth (section 2.1): the certificate must chain to the instance's trust anchors, be
 *   within its validity, fit client authentication, not be a CA, not be revoked (X509 input's own
 *   checks), and carry the subject DN or the SAN the client registered.
 * - self_signed_tls_client_auth (section 2.2): no chain; the certificate must be one the client
 *   registered, by SHA-256 thumbprint.
 *
 * Either way the answer is the certificate's RFC 8705 thumbprint, which binds access tokens.
 */
import { isStsError } from '../errors/sts-errors';
import { normaliseIp } from '../http/ip-address';
import type { StsRequestContext } from '../plugin-api/token-contract';
import type { InstanceSettings } from '../plugin-api/settings';
import type { OAuthClientConfig } from '../realms/schema/oauth-client-config';
import type { X509ValidationConfig } from '../realms/schema/x509-config';
import { checkCaIssuedCertificate } from '../token-types/x509/ca-issued-certificate';
import { presentedCertificate } from '../token-types/x509/client-certificate-source';
import type { ParsedCertificate } from '../token-types/x509/parsed-certificate';
import { normalisedEmail, type ClientKeyMaterial, type RegisteredName } from './client-key-material';
import { InvalidClientError } from './oauth-errors';

/** Where no `x509_validation` block says otherwise: the certificate of the TLS handshake only. */
const MUTUAL_TLS_ONLY = { trusted_proxies: [] as string[] } as X509ValidationConfig;

function refused(reason: string): InvalidClientError {
  return new InvalidClientError(`The client certificate was refused: ${reason}`);
}

/** RFC 8705 section 3.1 `x5t#S256`: base64url of the SHA-256 of the certificate's DER. */
export function certificateThumbprint(certificate: ParsedCertificate): string {
  return Buffer.from(certificate.fingerprint, 'hex').toString('base64url');
}

/** Authenticates `client` (a TLS method) by the request's certificate; its thumbprint, or InvalidClientError. */
export async function authenticateByCertificate(
  client: OAuthClientConfig,
  material: ClientKeyMaterial,
  settings: InstanceSettings,
  request: StsRequestContext,
  now = new Date(),
): Promise<string> {
  const config = settings.x509_validation ?? MUTUAL_TLS_ONLY;
  const leaf = certificateChecks(() => {
    const presented = presentedCertificate(request, config);
    if (client.token_endpoint_auth_method === 'tls_client_auth') checkCaIssuedCertificate(presented, config, now);
    return presented.leaf;
  });
  if (material.name) {
    if (!nameMatches(leaf, material.name)) throw refused(`it does not carry the ${describe(material.name)} registered for this client.`);
  } else if (!(await material.certificates!.includes(leaf.fingerprint))) {
    throw refused('it is not one of the certificates registered for this client.');
  }
  return certificateThumbprint(leaf);
}

/** The X509 checks' refusals (untrusted, expired, a CA, revoked, from an untrusted proxy...) as invalid_client, reason kept. */
function certificateChecks<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!isStsError(error) || error.status >= 500) throw error;
    throw refused(`${error.message} (${error.code})`);
  }
}

function nameMatches(leaf: ParsedCertificate, { key, value }: RegisteredName): boolean {
  switch (key) {
    case 'tls_client_auth_subject_dn':
      // Both in one RFC 4514 rendering; attribute values compare case-insensitively, as X.500 names do.
      return leaf.subjectDn.toLowerCase() === value.toLowerCase();
    case 'tls_client_auth_san_dns':
      return leaf.subjectAltNames('dns').some((name) => name.toLowerCase() === value);
    case 'tls_client_auth_san_uri':
      return leaf.subjectAltNames('url').includes(value);
    case 'tls_client_auth_san_ip':
      return leaf.subjectAltNames('ip').some((name) => normaliseIp(name) === value);
    case 'tls_client_auth_san_email':
      return leaf.subjectAltNames('email').some((name) => normalisedEmail(name) === value);
  }
}

/** What kind of name the client registered (not its value: the caller is not authenticated yet). */
function describe({ key }: RegisteredName): string {
  const what: Record<RegisteredName['key'], string> = {
    tls_client_auth_subject_dn: 'subject DN',
    tls_client_auth_san_dns: 'DNS name (SAN)',
    tls_client_auth_san_uri: 'URI (SAN)',
    tls_client_auth_san_ip: 'IP address (SAN)',
    tls_client_auth_san_email: 'e-mail address (SAN)',
  };
  return what[key];
}
