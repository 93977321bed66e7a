/** Maps the wildcard part of `/rest-sts/*` and `/oauth2/*` URLs to an STS instance. */
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors/sts-errors';
import type { LoadedInstance } from './loaded-instance';
import type { RealmRegistry } from './realm-registry.service';

/** `eu/fr/partners` (with an optional `suffix` such as `/jwks` removed) -> the instance `/eu/fr/partners`. */
export function instanceFromWildcard(realms: RealmRegistry, request: FastifyRequest, suffix = ''): LoadedInstance {
  const wildcard = (request.params as Record<string, string | undefined>)['*'] ?? '';
  const trimmed = wildcard.endsWith('/') ? wildcard.slice(0, -1) : wildcard;
  const path = suffix && trimmed.endsWith(suffix) ? trimmed.slice(0, -suffix.length) : suffix ? undefined : trimmed;
  const found = path === undefined ? undefined : realms.instance(`/${path}`);
  if (!found) {
    throw new NotFoundError(path === undefined ? 'No such endpoint.' : 'No STS instance at this path.', {
      code: path === undefined ? 'not_found' : 'instance_not_found',
    });
  }
  return found;
}
