/**
 * Load-time checks of `access_token.jwks_endpoint_path` across the whole server: each path is
 * published at `/ext/<path>` by one instance only, and never where the certificates live.
 */
import { normalizeExtPath, X509_PUBLICATION_PREFIX } from '../keys/publication/publication-index';
import { ConfigProblem, joinPath } from './config-problem';
import type { LoadedInstance } from './loaded-instance';

export function publicationProblems(instances: readonly LoadedInstance[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byPath = new Map<string, LoadedInstance[]>();
  for (const loaded of instances) {
    const configured = loaded.instance.settings.access_token?.jwks_endpoint_path;
    if (configured === undefined) continue;
    const problem = (message: string): ConfigProblem => ({
      file: loaded.realm.file,
      path: joinPath('instances', loaded.instance.name, 'access_token', 'jwks_endpoint_path'),
      message,
    });
    const path = normalizeExtPath(configured);
    if (path === X509_PUBLICATION_PREFIX || path.startsWith(`${X509_PUBLICATION_PREFIX}/`)) {
      problems.push(problem(`jwks_endpoint_path "${configured}" is reserved: /ext${X509_PUBLICATION_PREFIX}/... publishes certificates`));
      continue;
    }
    if (path.split('/').slice(1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
      problems.push(problem(`jwks_endpoint_path "${configured}" has an empty, "." or ".." segment, which clients do not send as is`));
      continue;
    }
    const claimants = byPath.get(path) ?? [];
    claimants.push(loaded);
    byPath.set(path, claimants);
  }

  for (const [path, claimants] of byPath) {
    if (claimants.length < 2) continue;
    for (const loaded of claimants) {
      const others = claimants
        .filter((other) => other !== loaded)
        .map((other) => `instance ${other.instance.path} (${other.realm.file})`)
        .join(', ');
      problems.push({
        file: loaded.realm.file,
        path: joinPath('instances', loaded.instance.name, 'access_token', 'jwks_endpoint_path'),
        message: `jwks_endpoint_path "${path}" is also used by ${others}; each /ext path must be unique across the server`,
      });
    }
  }
  return problems;
}
