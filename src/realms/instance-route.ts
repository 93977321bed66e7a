/** Maps the wildcard part of `/rest-sts/*` and `/oauth2/*` URLs to an STS instance (or the whole configuration). */
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors/sts-errors';
import type { LoadedInstance } from './loaded-instance';
import type { RealmRegistry } from './realm-registry.service';
import type { RealmSet } from './realm-set';

/** The configuration being served, for routes that look across instances (issuers, key sets). */
export function servedRealmSet(realms: RealmRegistry): RealmSet {
  const set = realms.realmSet;
  if (!set) throw new NotFoundError('No configuration is loaded yet.');
  return set;
}

/** `eu/fr/partners` (with an optional `suffix` such as `/jwks` removed) -> the instance `/eu/fr/partners`. */
export function instanceFromWildcard(realms: RealmRegistry, request: FastifyRequest, suffix = ''): LoadedInstance {
  const wildcard = (request.params as Record<string, string | undefined>)['*'] ?? '';
  const trimmed = wildcard.endsWith('/') ? wildcard.slice(0, -1) : wildcard;
  const path = suffix && trimmed.endsWith(suffix) ? trimmed.slice(0, -suffix.length) : suffix ? undefined : trimmed;
  if (path === undefined) throw new NotFoundError('No such endpoint.', { code: 'not_found' });
  const found = realms.instance(`/${path}`);
  if (!found) throw instanceNotFound(`/${path}`);
  return found;
}

/** 404 instance_not_found naming the instance path looked for, and how it splits into realm and name. */
export function instanceNotFound(path: string): NotFoundError {
  const shown = path.length > 256 ? `${path.slice(0, 256)}...` : path;
  const slash = shown.lastIndexOf('/');
  const realm = slash <= 0 ? '/' : shown.slice(0, slash);
  return new NotFoundError(`No STS instance ${shown} (instance "${shown.slice(slash + 1)}" in realm ${realm}).`, { code: 'instance_not_found' });
}
