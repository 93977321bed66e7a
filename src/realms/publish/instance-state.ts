/**
 * The admin API's wire shapes: `{"instance_state": {realm, name, ...instance keys}}` bodies and
 * `/sts-publish/rest{P}` instance paths. Only the shape is checked here; the instance keys are
 * checked by the realm loader, like a realm file's.
 */
import { InvalidRequestError } from '../../errors/sts-errors';
import { instanceNotFound } from '../instance-route';
import { instancePath } from '../loaded-instance';
import { INSTANCE_NAME_PATTERN, REALM_PATH_PATTERN } from '../schema/realm-config';
import type { InstanceSettings } from './realm-document';

export interface InstanceAddress {
  /** `/`, `/eu/fr` */
  readonly realm: string;
  readonly name: string;
}

export interface InstanceState extends InstanceAddress {
  /** The instance keys, as they go into the realm file. */
  readonly settings: InstanceSettings;
  /** A secret the instance signs with, kept as a realm key outside the realm file (PingAM's `oidc-client-secret`). */
  readonly secretKey?: { readonly kid: string; readonly secret: Buffer };
}

/** What GET answers, and what PUT accepts back unchanged. */
export type PublishedState = { realm: string; name: string } & InstanceSettings;

export function pathOf({ realm, name }: InstanceAddress): string {
  return instancePath(realm, name);
}

/** `eu/fr/partners` (the wildcard of `/sts-publish/rest/*`) -> realm `/eu/fr`, name `partners`. */
export function addressFromWildcard(wildcard: string): InstanceAddress {
  const trimmed = wildcard.endsWith('/') ? wildcard.slice(0, -1) : wildcard;
  const slash = trimmed.lastIndexOf('/');
  const address = { realm: slash < 0 ? '/' : `/${trimmed.slice(0, slash)}`, name: trimmed.slice(slash + 1) };
  if (!REALM_PATH_PATTERN.test(address.realm) || !INSTANCE_NAME_PATTERN.test(address.name)) throw instanceNotFound(`/${trimmed}`);
  return address;
}

/**
 * Checks a create (no `expected`) or update body. On update, `realm` and `name` may be left out;
 * when given they must be the ones in the URL (an instance is not renamed or moved by PUT).
 */
export function instanceStateOf(body: unknown, expected?: InstanceAddress): InstanceState {
  if (!isObject(body)) throw invalid('The request body must be a JSON object {"instance_state": {...}}.');
  const unknown = Object.keys(body).find((key) => key !== 'instance_state');
  if (unknown !== undefined) throw invalid(`Unknown field "${unknown.slice(0, 64)}"; the body is {"instance_state": {...}}.`);
  const state = body.instance_state;
  if (!isObject(state)) throw invalid('instance_state is required and must be a JSON object.');

  const { realm = expected?.realm, name = expected?.name, ...settings } = state;
  if (typeof realm !== 'string' || !REALM_PATH_PATTERN.test(realm)) {
    throw invalid('instance_state.realm is required and must be a realm path: "/" or a path such as /eu or /eu/fr.');
  }
  if (typeof name !== 'string' || !INSTANCE_NAME_PATTERN.test(name)) {
    throw invalid('instance_state.name is required and must be a URL element: 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit.');
  }
  if (expected && (realm !== expected.realm || name !== expected.name)) {
    throw invalid(`instance_state names ${instancePath(realm, name)}, not ${pathOf(expected)}; instances are not renamed or moved by PUT.`);
  }
  return { realm, name, settings };
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'invalid_request' });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
