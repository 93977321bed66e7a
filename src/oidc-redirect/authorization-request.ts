/**
 * The `authorization_request` of a translate or a `redirect_error`: the OpenID Connect
 * authorization request (implicit flow, OIDC Core 3.2.2.1) the answer redirects to. Its client
 * and redirect URI are checked first and strictly (registered, exact string match): nothing is
 * ever sent to a URI the client did not register; any problem is a 400 in JSON, never a redirect.
 */
import { InvalidRequestError } from '../errors/sts-errors';
import type { InstanceSettings } from '../plugin-api/settings';

export const RESPONSE_TYPES = ['id_token', 'id_token token'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];
export const RESPONSE_MODES = ['fragment', 'query', 'form_post'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

export interface AuthorizationRequest {
  readonly clientId: string;
  /** Exactly as registered. */
  readonly redirectUri: string;
  readonly responseType?: ResponseType;
  readonly responseMode: ResponseMode;
  readonly state?: string;
  readonly nonce?: string;
}

const MEMBERS = ['client_id', 'redirect_uri', 'response_type', 'response_mode', 'state', 'nonce'];
const MAX_STATE_LENGTH = 2048;
/** The ID token provider's own limit. */
const MAX_NONCE_LENGTH = 1024;

/**
 * Checks `authorization_request`. For tokens (`translate`) response_type and nonce are required
 * (OIDC Core 3.2.2.1); for an error redirect only the client and redirect URI are.
 */
export function authorizationRequestOf(raw: unknown, settings: InstanceSettings, purpose: 'tokens' | 'error'): AuthorizationRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('authorization_request must be a JSON object.');
  const request = raw as Record<string, unknown>;
  const unknown = Object.keys(request).find((key) => !MEMBERS.includes(key));
  if (unknown !== undefined) throw invalid(`authorization_request has an unknown member "${unknown.slice(0, 64)}"; it takes ${MEMBERS.join(', ')}.`);

  const clientId = requiredString(request, 'client_id');
  const redirectUri = requiredString(request, 'redirect_uri');
  const client = settings.oauth_clients.find((candidate) => candidate.client_id === clientId);
  if (!client) throw new InvalidRequestError('authorization_request.client_id names no client of this instance.', { code: 'unknown_client' });
  if (!client.redirect_uris?.includes(redirectUri)) {
    throw new InvalidRequestError(
      'authorization_request.redirect_uri is not registered for this client (redirect URIs must match a registered one exactly); nothing was redirected.',
      { code: 'invalid_redirect_uri' },
    );
  }

  const responseType = responseTypeOf(request.response_type, purpose);
  const responseMode = responseModeOf(request.response_mode);
  if (responseMode === 'query' && purpose === 'tokens') {
    throw new InvalidRequestError('response_mode "query" would put tokens in the URL query; use fragment (the default) or form_post.', {
      code: 'unsupported_response_mode',
    });
  }
  const state = optionalString(request, 'state', MAX_STATE_LENGTH);
  const nonce = optionalString(request, 'nonce', MAX_NONCE_LENGTH);
  if (purpose === 'tokens' && nonce === undefined) {
    throw invalid('authorization_request.nonce is required when ID tokens are returned by redirect (OpenID Connect Core 3.2.2.1).');
  }
  return {
    clientId,
    redirectUri,
    responseMode,
    ...(responseType !== undefined && { responseType }),
    ...(state !== undefined && { state }),
    ...(nonce !== undefined && { nonce }),
  };
}

/** `id_token` or `id_token token`, in either order (a space-separated set, RFC 6749 3.1.1). */
function responseTypeOf(value: unknown, purpose: 'tokens' | 'error'): ResponseType | undefined {
  if (value === undefined && purpose === 'error') return undefined;
  if (typeof value !== 'string') throw invalid(`authorization_request.response_type is required: ${RESPONSE_TYPES.map((type) => `"${type}"`).join(' or ')}.`);
  const normalized = value.split(' ').filter(Boolean).sort().join(' ');
  const type = RESPONSE_TYPES.find((candidate) => candidate === normalized);
  if (type === undefined) {
    throw new InvalidRequestError(`authorization_request.response_type must be ${RESPONSE_TYPES.map((known) => `"${known}"`).join(' or ')}.`, {
      code: 'unsupported_response_type',
    });
  }
  return type;
}

function responseModeOf(value: unknown): ResponseMode {
  if (value === undefined) return 'fragment';
  const mode = RESPONSE_MODES.find((candidate) => candidate === value);
  if (mode === undefined) {
    throw new InvalidRequestError(`authorization_request.response_mode must be one of ${RESPONSE_MODES.join(', ')} (default fragment).`, {
      code: 'unsupported_response_mode',
    });
  }
  return mode;
}

function requiredString(request: Record<string, unknown>, name: string): string {
  const value = request[name];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`authorization_request.${name} is required and must be a non-empty string.`);
  return value;
}

function optionalString(request: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  const value = request[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalid(`authorization_request.${name} must be a non-empty string of at most ${maxLength} characters.`);
  }
  return value;
}

function invalid(message: string): InvalidRequestError {
  return new InvalidRequestError(message, { code: 'invalid_authorization_request' });
}
