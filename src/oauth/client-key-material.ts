/**
 * What the key-based `oauth_clients` of an instance are known by, read and checked once when the
 * configuration loads and then looked up by the (immutable) client entry; a reload builds new
 * entries and so reads the files again:
 *
 * - private_key_jwt: the client's public keys, by the machinery that reads trusted issuers' keys
 *   (a JWKS file whose every entry must be usable, or a JWKS URL fetched on first use, cached,
 *   refetched at most once a minute for an unknown kid);
 * - self_signed_tls_client_auth: the SHA-256 thumbprints of its registered certificates (a PEM
 *   file, or the `x5c` of a JWKS file or URL);
 * - tls_client_auth: the subject DN in the form certificates are compared in, or the SAN; and the
 *   instance's `x509_validation` trust material, which the certificate must chain to.
 */
import type { JWK } from 'jose';
import { ConfigFileError, readConfigFile } from '../common/config-file';
import { normaliseIp } from '../http/ip-address';
import { RemoteJwks } from '../keys/encryption/remote-jwks';
import type { ConfigurationProblem } from '../plugin-api/token-contract';
import type { InstanceSettings } from '../plugin-api/settings';
import { joinPath } from '../realms/config-problem';
import { CLIENT_ASSERTION_ALGORITHMS } from '../realms/schema/client-auth-methods';
import type { OAuthClientConfig } from '../realms/schema/oauth-client-config';
import type { TrustedIssuerConfig } from '../realms/schema/oidc-validation-config';
import { prepareIssuer } from '../token-types/jwt-input/trusted-issuers';
import { CertificateParseError, parseCertificate, pemBlocks } from '../token-types/x509/parsed-certificate';
import { rfc4514 } from '../token-types/x509/rfc4514';
import { prepareTrustMaterial } from '../token-types/x509/trust-material';
import { x509 } from '../token-types/x509/x509-library';

/** A client's key set or certificates that cannot be fetched: a 503, as for a trusted issuer's keys. */
const KEYS_UNAVAILABLE = 'client_keys_unavailable';
/** A certificate no registered one matches may trigger a refetch of a jwks_url this often, no more. */
const UNKNOWN_CERTIFICATE_REFETCH_MS = 60_000;
const JWKS_CACHE_MINUTES = 60;
const JWKS_MAX_BYTES = 256 * 1024;

export interface AssertionKeys {
  /** The JWS algorithms the client's assertions may use. */
  readonly algorithms: readonly string[];
  /** The public keys whose kid is `kid` (every key when the assertion names none). */
  keysFor(kid: string | undefined): Promise<readonly JWK[]>;
}

export interface RegisteredCertificates {
  /** Whether a registered certificate has this SHA-256 thumbprint (lower-case hex of the DER's digest). */
  includes(fingerprint: string): Promise<boolean>;
}

/** What a tls_client_auth client's certificate must name: one registered value, compared as `matches` says. */
export interface RegisteredName {
  readonly key: 'tls_client_auth_subject_dn' | 'tls_client_auth_san_dns' | 'tls_client_auth_san_uri' | 'tls_client_auth_san_ip' | 'tls_client_auth_san_email';
  /** The value as compared: a DN in the RFC 4514 form certificates are rendered in, a SAN normalised. */
  readonly value: string;
}

export interface ClientKeyMaterial {
  readonly assertionKeys?: AssertionKeys;
  readonly certificates?: RegisteredCertificates;
  readonly name?: RegisteredName;
}

const materials = new WeakMap<OAuthClientConfig, ClientKeyMaterial>();

/** What the load-time check prepared for this client (empty for a secret client). */
export function clientKeyMaterial(client: OAuthClientConfig): ClientKeyMaterial {
  const material = materials.get(client);
  if (!material) throw new Error('oauth_clients used before their configuration was checked');
  return material;
}

/**
 * Reads every client's files relative to `configDir`. Runs after oauthClientProblems found
 * nothing, so each client has exactly the keys its method needs.
 */
export async function prepareClientKeyMaterial(settings: InstanceSettings, configDir: string): Promise<ConfigurationProblem[]> {
  const problems: ConfigurationProblem[] = [];
  for (const [index, client] of settings.oauth_clients.entries()) {
    const path = joinPath('oauth_clients', index);
    const before = problems.length;
    const material = await prepareClient(client, settings, configDir, path, problems);
    if (problems.length === before) materials.set(client, material);
  }
  return problems;
}

async function prepareClient(
  client: OAuthClientConfig,
  settings: InstanceSettings,
  configDir: string,
  path: string,
  problems: ConfigurationProblem[],
): Promise<ClientKeyMaterial> {
  switch (client.token_endpoint_auth_method) {
    case 'private_key_jwt': {
      const algorithms = client.token_endpoint_auth_signing_alg ? [client.token_endpoint_auth_signing_alg] : CLIENT_ASSERTION_ALGORITHMS;
      // The keys are read as a trusted issuer's are: the same checks of every JWKS entry, the same fetching.
      const source = { issuer: client.client_id, jwks_file: client.jwks_file, jwks_url: client.jwks_url, algorithms } as TrustedIssuerConfig;
      const keys = await prepareIssuer(source, configDir, path, problems, KEYS_UNAVAILABLE);
      return keys ? { assertionKeys: { algorithms, keysFor: (kid) => keys.keysFor(kid) } } : {};
    }
    case 'self_signed_tls_client_auth': {
      const certificates = await registeredCertificates(client, configDir, path, problems);
      return certificates ? { certificates } : {};
    }
    case 'tls_client_auth': {
      // oauthClientProblems made sure the block exists; its files are read once for the instance.
      problems.push(...(await prepareTrustMaterial(settings.x509_validation!, configDir)));
      const name = registeredName(client, path, problems);
      return name ? { name } : {};
    }
    default:
      return {};
  }
}

async function registeredCertificates(
  client: OAuthClientConfig,
  configDir: string,
  path: string,
  problems: ConfigurationProblem[],
): Promise<RegisteredCertificates | undefined> {
  if (client.jwks_url !== undefined) {
    const remote = new RemoteJwks({ url: client.jwks_url, defaultCacheMinutes: JWKS_CACHE_MINUTES, maxBytes: JWKS_MAX_BYTES, unavailableCode: KEYS_UNAVAILABLE });
    const thumbprintsOf = memoised((keys: readonly JWK[]) => new Set(keys.flatMap((key) => certificateOfJwk(key) ?? [])));
    return {
      includes: async (fingerprint) =>
        thumbprintsOf(await remote.keys()).has(fingerprint) || thumbprintsOf(await remote.refetch(UNKNOWN_CERTIFICATE_REFETCH_MS)).has(fingerprint),
    };
  }
  const key = client.certificate_file !== undefined ? 'certificate_file' : 'jwks_file';
  const file = client[key]!;
  const at = joinPath(path, key);
  let text: string;
  try {
    text = (await readConfigFile(configDir, file)).toString('utf8');
  } catch (error) {
    if (!(error instanceof ConfigFileError)) throw error;
    problems.push({ path: at, message: error.message });
    return undefined;
  }
  const found = key === 'certificate_file' ? thumbprintsOfPem(text, file) : thumbprintsOfJwks(text, file);
  if (typeof found === 'string') {
    problems.push({ path: at, message: found });
    return undefined;
  }
  return { includes: async (fingerprint) => found.has(fingerprint) };
}

function thumbprintsOfPem(text: string, file: string): Set<string> | string {
  let blocks: Buffer[];
  try {
    blocks = pemBlocks(text, 'CERTIFICATE');
  } catch {
    return `${file} holds a PEM block that is not valid base64`;
  }
  if (blocks.length === 0) return `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  const thumbprints = new Set<string>();
  for (const [index, der] of blocks.entries()) {
    try {
      thumbprints.add(parseCertificate(der).fingerprint);
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      return `${file}: certificate #${index + 1} cannot be read as an X.509 certificate`;
    }
  }
  return thumbprints;
}

function thumbprintsOfJwks(text: string, file: string): Set<string> | string {
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch {
    return `${file} is not JSON`;
  }
  if (!Array.isArray(keys) || keys.length === 0) return `${file} has no "keys" array with entries (a JWKS is {"keys": [...]})`;
  const thumbprints = new Set<string>();
  for (const [index, key] of keys.entries()) {
    const thumbprint = certificateOfJwk(key);
    // A hand-made registration: every entry must name a certificate, so a mistake shows at load.
    if (thumbprint === undefined) return `${file}: key #${index + 1} has no readable certificate in x5c (self_signed_tls_client_auth matches certificates)`;
    thumbprints.add(thumbprint);
  }
  return thumbprints;
}

/** The SHA-256 thumbprint (hex) of the certificate a JWK carries first in `x5c` (RFC 7517 section 4.7: base64 DER). */
function certificateOfJwk(key: unknown): string | undefined {
  const x5c = (key as { x5c?: unknown } | null)?.x5c;
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(x5c[0])) return undefined;
  try {
    return parseCertificate(Buffer.from(x5c[0], 'base64')).fingerprint;
  } catch (error) {
    if (error instanceof CertificateParseError) return undefined;
    throw error;
  }
}

function registeredName(client: OAuthClientConfig, path: string, problems: ConfigurationProblem[]): RegisteredName | undefined {
  if (client.tls_client_auth_subject_dn !== undefined) {
    const value = canonicalDn(client.tls_client_auth_subject_dn);
    if (value === undefined) {
      problems.push({
        path: joinPath(path, 'tls_client_auth_subject_dn'),
        message: `${JSON.stringify(client.tls_client_auth_subject_dn.slice(0, 200))} is not a distinguished name in RFC 4514 form (for example CN=gateway,O=Example Corp)`,
      });
      return undefined;
    }
    return { key: 'tls_client_auth_subject_dn', value };
  }
  if (client.tls_client_auth_san_dns !== undefined) return { key: 'tls_client_auth_san_dns', value: client.tls_client_auth_san_dns.toLowerCase() };
  if (client.tls_client_auth_san_uri !== undefined) return { key: 'tls_client_auth_san_uri', value: client.tls_client_auth_san_uri };
  if (client.tls_client_auth_san_ip !== undefined) return { key: 'tls_client_auth_san_ip', value: normaliseIp(client.tls_client_auth_san_ip)! };
  return { key: 'tls_client_auth_san_email', value: normalisedEmail(client.tls_client_auth_san_email!) };
}

/**
 * A DN as the certificate side renders it (`rfc4514`: the attribute types it knows by their short
 * names, values escaped the same way), so both are compared in one form; undefined for a string
 * that is not a DN. The library reads a string's RDNs in the order written, which RFC 4514 writes
 * last RDN first, so they are reversed into the order of a certificate's DER.
 */
export function canonicalDn(text: string): string | undefined {
  // The library skips a piece without `=` (`CN=x,O` reads as CN=x): each must be type=value.
  if (!text.split(/(?<!\\)[,+]/).every((piece) => /^\s*[A-Za-z0-9.-]+\s*=/.test(piece))) return undefined;
  // Attribute type names are case-insensitive (RFC 4514 section 3); the library knows them in upper case.
  const typesUpperCase = text.replace(/(^|(?<!\\)[,+])(\s*)([A-Za-z][A-Za-z0-9-]*)(\s*=)/g, (_, separator, space, type: string, equals) => `${separator}${space}${type.toUpperCase()}${equals}`);
  let rdns: ReturnType<x509.Name['toJSON']>;
  try {
    rdns = new x509.Name(typesUpperCase).toJSON();
  } catch {
    return undefined;
  }
  if (rdns.length === 0) return undefined;
  return rfc4514(new x509.Name([...rdns].reverse()));
}

/** An e-mail address with its domain in lower case (the local part is the mailbox owner's, compared as written). */
export function normalisedEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}

/** f(x), computed once per (frozen) x. */
function memoised<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const results = new WeakMap<K, V>();
  return (key) => {
    let value = results.get(key);
    if (value === undefined) {
      value = compute(key);
      results.set(key, value);
    }
    return value;
  };
}
