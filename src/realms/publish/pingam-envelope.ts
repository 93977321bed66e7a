/**
 * PingAM's publish wire format: bodies `{"invocation_context": "invocation_context_client_sdk",
 * "instance_state": {...kebab-case keys}}` and answers with `_id` (the instance path without its
 * leading slash) and `_rev`. A body is PingAM's when it has `invocation_context`; a request wants
 * PingAM answers when its body is PingAM's, its admin token came in `admin_token_header`, or it
 * names a CREST API version (`Accept-API-Version`, as PingAM's SDK sends).
 */
import type { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../../errors/sts-errors';
import { instancePath } from '../loaded-instance';
import { INSTANCE_NAME_PATTERN, REALM_PATH_PATTERN } from '../schema/realm-config';
import type { ServerConfig } from '../../server-config/server-config';
import { usesAdminTokenHeader } from './admin-auth.guard';
import { InstanceAddress, InstanceState, pathOf } from './instance-state';
import { fromPingAmInstanceState, toPingAmInstanceState } from './pingam-instance-mapping';

/** The only invocation context PingAM's REST clients send (the console's SMS form is not accepted). */
export const PINGAM_CLIENT_SDK_CONTEXT = 'invocation_context_client_sdk';

export function isPingAmEnvelope(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'invocation_context');
}

export function wantsPingAmAnswer(request: FastifyRequest, config: ServerConfig | undefined): boolean {
  return isPingAmEnvelope(request.body) || usesAdminTokenHeader(request, config) || request.headers['accept-api-version'] !== undefined;
}

export interface PingAmInstanceState extends InstanceState {
  /** PingAM keys accepted but not written, for the log. */
  readonly notStored: readonly string[];
}

/** A PingAM create or update body as our instance; on update it must name the instance of the URL. */
export function pingAmInstanceStateOf(body: Record<string, unknown>, expected?: InstanceAddress): PingAmInstanceState {
  const unknown = Object.keys(body).find((key) => key !== 'invocation_context' && key !== 'instance_state');
  if (unknown !== undefined) throw invalid(`Unknown field "${unknown.slice(0, 64)}"; a PingAM body is {"invocation_context": "${PINGAM_CLIENT_SDK_CONTEXT}", "instance_state": {...}}.`, 'invalid_request');
  if (body.invocation_context !== PINGAM_CLIENT_SDK_CONTEXT) {
    throw invalid(`invocation_context must be "${PINGAM_CLIENT_SDK_CONTEXT}" (the JSON form of the instance state).`, 'pingam_invocation_context');
  }
  const { realm, name, settings, notStored, secretKey } = fromPingAmInstanceState(body.instance_state);
  if (!REALM_PATH_PATTERN.test(realm)) throw invalid('deployment-config.deployment-realm must be a realm path: "/" or a path such as /eu or /eu/fr.', 'pingam_value_invalid');
  if (!INSTANCE_NAME_PATTERN.test(name)) {
    throw invalid('deployment-config.deployment-url-element must be a URL element: 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit.', 'pingam_value_invalid');
  }
  if (expected && (realm !== expected.realm || name !== expected.name)) {
    throw invalid(`instance_state names ${instancePath(realm, name)}, not ${pathOf(expected)}; instances are not renamed or moved by PUT.`, 'invalid_request');
  }
  // Published as PingAM does it, served as PingAM serves it (translate requests read as strictly).
  return { realm, name, settings: { ...settings, pingam_compatibility: true }, notStored, ...(secretKey && { secretKey }) };
}

/** `_id` as PingAM gives it: `username-transformer`, `eu/fr/partners`. */
export function pingAmIdOf(path: string): string {
  return path.replace(/^\//, '');
}

/** GET of one instance as PingAM answers it: `{_id, _rev, <_id>: {instance_state}}`. */
export function pingAmReadAnswer(state: { realm: string; name: string } & Record<string, unknown>, revision: string): Record<string, unknown> {
  const { realm, name, ...settings } = state;
  const id = pingAmIdOf(instancePath(realm, name));
  return { _id: id, _rev: revision, [id]: toPingAmInstanceState(realm, name, settings) };
}

/** GET of the collection as PingAM answers it: every instance by `_id`, beside `_id: published_instances` and an empty `_rev`. */
export function pingAmListAnswer(listed: Record<string, { realm: string; name: string } & Record<string, unknown>>): Record<string, unknown> {
  const answer: Record<string, unknown> = { _id: 'published_instances', _rev: '' };
  for (const { realm, name, ...settings } of Object.values(listed)) answer[pingAmIdOf(instancePath(realm, name))] = toPingAmInstanceState(realm, name, settings);
  return answer;
}

function invalid(message: string, code: string): InvalidRequestError {
  return new InvalidRequestError(message, { code });
}
