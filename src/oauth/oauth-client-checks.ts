/**
 * Load-time checks of `oauth_clients`: unique ids; for each client the key material its
 * `token_endpoint_auth_method` needs, and nothing that belongs to another method (a secret on a
 * key-based client is refused, not ignored); sound hashes and set variables; and a client to
 * authenticate where `cancel_requires_client_authentication` or `translate_client_authentication`
 * asks for one. Files and URLs are read afterwards (client-key-material.ts).
 */
import { PasswordHashFormatError, parseScryptHash } from '../identity/scrypt-password';
import { checkJwksUrl } from '../keys/encryption/remote-jwks';
import type { ConfigurationProblem } from '../plugin-api/token-contract';
import type { InstanceSettings } from '../plugin-api/settings';
import { joinPath } from '../realms/config-problem';
import { redirectUriProblems } from '../oidc-redirect/redirect-uri-checks';
import { TLS_CLIENT_AUTH_NAME_KEYS, type ClientAuthMethod } from '../realms/schema/client-auth-methods';
import type { OAuthClientConfig } from '../realms/schema/oauth-client-config';

/** Shorter environment secrets are refused: a client secret must resist guessing. */
const MIN_ENV_SECRET_LENGTH = 16;

type MaterialKey = Exclude<keyof OAuthClientConfig, 'client_id' | 'token_endpoint_auth_method' | 'client_secret' | 'redirect_uris'>;

/** Secret clients (no method, or one of the two secret methods) and each key-based method. */
type MethodFamily = 'secret' | Exclude<ClientAuthMethod, 'client_secret_basic' | 'client_secret_post'>;

/** Per family: the keys it takes, of which exactly one must be set (`oneOf`), and the others it may have. */
const MATERIAL: Record<MethodFamily, { oneOf: readonly MaterialKey[]; optional: readonly MaterialKey[]; what: string }> = {
  secret: { oneOf: ['client_secret_hash', 'client_secret_env'], optional: [], what: 'its secret' },
  private_key_jwt: { oneOf: ['jwks_file', 'jwks_url'], optional: ['token_endpoint_auth_signing_alg'], what: 'its public keys' },
  tls_client_auth: { oneOf: TLS_CLIENT_AUTH_NAME_KEYS, optional: [], what: 'what its certificate must name (subject DN or one SAN)' },
  self_signed_tls_client_auth: { oneOf: ['certificate_file', 'jwks_file', 'jwks_url'], optional: [], what: 'its certificates' },
};

const ALL_MATERIAL = [...new Set(Object.values(MATERIAL).flatMap((family) => [...family.oneOf, ...family.optional]))];

/** The methods that use a key, for the message about a key a client's method does not use. */
function methodsUsing(key: MaterialKey): string {
  const families = (Object.keys(MATERIAL) as MethodFamily[]).filter((family) => MATERIAL[family].oneOf.includes(key) || MATERIAL[family].optional.includes(key));
  return families.map((family) => (family === 'secret' ? 'client_secret_basic / client_secret_post' : family)).join(' or ');
}

export function familyOf(method: ClientAuthMethod | undefined): MethodFamily {
  return method === undefined || method === 'client_secret_basic' || method === 'client_secret_post' ? 'secret' : method;
}

export function oauthClientProblems(settings: InstanceSettings, env: NodeJS.ProcessEnv = process.env): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const seen = new Set<string>();
  settings.oauth_clients.forEach((client, index) => {
    const path = joinPath('oauth_clients', index);
    if (seen.has(client.client_id)) problems.push({ path: joinPath(path, 'client_id'), message: `duplicate client_id "${client.client_id}"` });
    seen.add(client.client_id);
    problems.push(...clientProblems(client, path, settings, env));
    problems.push(...redirectUriProblems(client, path, settings));
  });
  for (const [key, asks] of [
    ['cancel_requires_client_authentication', settings.cancel_requires_client_authentication],
    ['translate_client_authentication', (settings.translate_client_authentication ?? 'none') !== 'none'],
  ] as const) {
    if (asks && settings.oauth_clients.length === 0) {
      problems.push({ path: key, message: `needs at least one entry in oauth_clients, the clients that ${key.startsWith('cancel') ? 'may cancel' : 'authenticate at translate'}` });
    }
  }
  return problems;
}

function clientProblems(client: OAuthClientConfig, path: string, settings: InstanceSettings, env: NodeJS.ProcessEnv): ConfigurationProblem[] {
  const method = client.token_endpoint_auth_method;
  const family = familyOf(method);
  const { oneOf, optional, what } = MATERIAL[family];
  const has = (key: MaterialKey) => client[key] !== undefined;
  const label = method ?? 'a client without token_endpoint_auth_method';
  const problems: ConfigurationProblem[] = [];
  for (const key of ALL_MATERIAL) {
    if (!has(key) || oneOf.includes(key) || optional.includes(key)) continue;
    const message =
      method === undefined
        ? `${key} is used by ${methodsUsing(key)}; set token_endpoint_auth_method to the method this client uses`
        : family !== 'secret' && (key === 'client_secret_hash' || key === 'client_secret_env')
          ? `a ${method} client authenticates without a secret; remove ${key}`
          : `${key} is not used by ${label} (only by ${methodsUsing(key)}); remove it`;
    problems.push({ path: joinPath(path, key), message });
  }
  const set = oneOf.filter(has);
  if (set.length !== 1) {
    const needs = `set exactly one of ${oneOf.join(', ').replace(/, ([^,]*)$/, ' and $1')}`;
    problems.push({ path, message: set.length === 0 && method === undefined && problems.length > 0 ? `no secret: ${needs}, or set token_endpoint_auth_method` : `${needs} (${what})` });
    return problems;
  }
  if (problems.length > 0) return problems;
  if (family === 'secret') return secretProblems(client, path, env);
  if (client.jwks_url !== undefined) {
    const problem = checkJwksUrl(client.jwks_url);
    if (problem) problems.push({ path: joinPath(path, 'jwks_url'), message: problem });
  }
  if (family === 'tls_client_auth' && settings.x509_validation === undefined) {
    problems.push({
      path: joinPath(path, 'token_endpoint_auth_method'),
      message: 'tls_client_auth checks the certificate against the instance\'s x509_validation (trust_anchors_file: the CAs that issue client certificates); add that block',
    });
  }
  return problems;
}

function secretProblems(client: OAuthClientConfig, path: string, env: NodeJS.ProcessEnv): ConfigurationProblem[] {
  if (client.client_secret_hash !== undefined) {
    try {
      parseScryptHash(client.client_secret_hash);
    } catch (error) {
      if (!(error instanceof PasswordHashFormatError)) throw error;
      return [{ path: joinPath(path, 'client_secret_hash'), message: error.message }];
    }
    return [];
  }
  const secret = env[client.client_secret_env!];
  if (!secret) return [{ path: joinPath(path, 'client_secret_env'), message: `environment variable ${client.client_secret_env} is not set` }];
  if (secret.length < MIN_ENV_SECRET_LENGTH) {
    return [{ path: joinPath(path, 'client_secret_env'), message: `the secret in ${client.client_secret_env} is shorter than ${MIN_ENV_SECRET_LENGTH} characters` }];
  }
  return [];
}
