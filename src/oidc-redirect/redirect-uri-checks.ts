/**
 * Load-time checks of an OAuth client's `redirect_uris`: each one an absolute https URL (http
 * only to a loopback host, for native apps, RFC 8252 section 7.3), without fragment, credentials
 * or wildcards, so that exact string comparison at request time is all the matching there is.
 * A client that takes redirects must also be an audience of the instance's ID tokens.
 */
import type { ConfigurationProblem } from '../plugin-api/token-contract';
import type { InstanceSettings } from '../plugin-api/settings';
import { joinPath } from '../realms/config-problem';
import type { OAuthClientConfig } from '../realms/schema/oauth-client-config';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why a registered redirect URI is unusable, or undefined when it is fine. */
export function redirectUriProblem(uri: string): string | undefined {
  if (!/^[\x21-\x7e]+$/.test(uri)) return 'must be visible ASCII without spaces (percent-encode anything else)';
  if (uri.includes('*')) return 'wildcards are not supported: redirect URIs are compared as exact strings; list each URI';
  if (uri.includes('#')) return 'must not contain a fragment (#): the response parameters go there (RFC 6749 section 3.1.2)';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL (https://...)';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
    return loopback ? undefined : 'http is allowed only to a loopback host (127.0.0.1, [::1], localhost); use https';
  }
  return `must use https (not ${url.protocol.replace(/:$/, '')})`;
}

/** The problems of one client's redirect_uris, at `<path>.redirect_uris[...]`. */
export function redirectUriProblems(client: OAuthClientConfig, path: string, settings: InstanceSettings): ConfigurationProblem[] {
  const uris = client.redirect_uris;
  if (uris === undefined) return [];
  const key = joinPath(path, 'redirect_uris');
  const problems: ConfigurationProblem[] = [];
  if (uris.length === 0) problems.push({ path: key, message: 'is empty; list at least one redirect URI or remove the key' });
  const seen = new Set<string>();
  uris.forEach((uri, index) => {
    const problem = seen.has(uri) ? 'is listed twice' : redirectUriProblem(uri);
    if (problem) problems.push({ path: joinPath(key, index), message: `"${uri.slice(0, 200)}" ${problem}` });
    seen.add(uri);
  });
  const oidc = settings.oidc;
  if (!oidc) {
    problems.push({ path: key, message: 'an OIDC redirect issues an ID token: the instance needs an oidc section (and OPENIDCONNECT output)' });
  } else if (!oidc.audience.includes(client.client_id)) {
    problems.push({ path: key, message: `the client "${client.client_id}" receives ID tokens by redirect, so it must be listed in oidc.audience` });
  } else if (oidc.authorized_party !== undefined && oidc.authorized_party !== client.client_id) {
    problems.push({
      path: key,
      message: `oidc.authorized_party names "${oidc.authorized_party}", but ID tokens redirected to this client must name it (azp); remove authorized_party`,
    });
  }
  return problems;
}
