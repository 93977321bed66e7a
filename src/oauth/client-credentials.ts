/**
 * Reads how a request authenticates its OAuth client, before anything is checked:
 *
 * - `client_secret_basic` (RFC 6749 section 2.3.1): id and secret form-URL-encoded inside HTTP Basic;
 * - `client_secret_post`: `client_id` and `client_secret` parameters;
 * - `private_key_jwt` (RFC 7523 section 2.2): `client_assertion_type` (the jwt-bearer URN) and
 *   `client_assertion`, optionally with `client_id`;
 * - a TLS client certificate (RFC 8705 section 2): `client_id` alone; the certificate comes with
 *   the connection (or a trusted proxy's header) and is checked later.
 *
 * The parameters are form parameters at the OAuth endpoints and JSON members of the body at
 * `/rest-sts` (translate, cancel). Using two methods at once is refused (RFC 6749 section 2.3).
 */
import { InvalidRequestError } from '../errors/sts-errors';
import { CLIENT_ASSERTION_TYPE } from './client-assertion';
import type { FormBody } from './form-body';
import { InvalidClientError } from './oauth-errors';

export interface ClientCredentials {
  readonly clientId: string;
  readonly secret: string;
}

export type PresentedClient =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId?: string; readonly assertion: string }
  | { readonly method: 'tls_client_certificate'; readonly clientId: string };

/** The client authentication parameters of a request, whatever carried them. */
export interface ClientParameters {
  readonly client_id?: string;
  readonly client_secret?: string;
  readonly client_assertion_type?: string;
  readonly client_assertion?: string;
}

const PARAMETERS = ['client_id', 'client_secret', 'client_assertion_type', 'client_assertion'] as const;

/** The parameters of a form (each at most once, RFC 6749 section 3.2). */
export function formClientParameters(form: FormBody): ClientParameters {
  return Object.fromEntries(PARAMETERS.map((name) => [name, form.single(name)]));
}

/**
 * What the request presents, or undefined when it presents nothing at all. Refuses (400) two
 * methods at once or a client_id that contradicts Basic; refuses (401) what cannot be a complete
 * method (a secret without an id, an assertion without its type or with another type).
 */
export function presentedClient(authorization: string | undefined, params: ClientParameters): PresentedClient | undefined {
  const { client_id: clientId, client_secret: secret, client_assertion_type: assertionType, client_assertion: assertion } = params;
  const assertionPresented = assertionType !== undefined || assertion !== undefined;
  const methods = [authorization !== undefined && 'HTTP Basic', secret !== undefined && 'client_secret', assertionPresented && 'client_assertion'].filter(Boolean);
  if (methods.length > 1) {
    throw new InvalidRequestError(`Use one client authentication method, not several (${methods.join(' and ')}).`);
  }
  if (authorization !== undefined) {
    const basic = fromBasic(authorization);
    if (clientId !== undefined && clientId !== basic.clientId) throw new InvalidRequestError('client_id differs from the authenticated client.');
    return { method: 'client_secret_basic', ...basic };
  }
  if (secret !== undefined) {
    if (clientId === undefined) throw new InvalidClientError('client_secret needs client_id beside it.');
    return { method: 'client_secret_post', clientId, secret };
  }
  if (assertionPresented) {
    if (assertionType === undefined) throw new InvalidClientError(`client_assertion needs client_assertion_type=${CLIENT_ASSERTION_TYPE} beside it.`);
    if (assertionType !== CLIENT_ASSERTION_TYPE) {
      throw new InvalidClientError(`client_assertion_type ${JSON.stringify(assertionType.slice(0, 100))} is not supported; use ${CLIENT_ASSERTION_TYPE}.`);
    }
    if (!assertion) throw new InvalidClientError('client_assertion_type needs a client_assertion beside it.');
    return { method: 'private_key_jwt', ...(clientId !== undefined && { clientId }), assertion };
  }
  if (clientId !== undefined) return { method: 'tls_client_certificate', clientId };
  return undefined;
}

function fromBasic(authorization: string): ClientCredentials {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization.trim());
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new InvalidClientError('The Authorization header is not valid HTTP Basic client authentication.');
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidClientError('The client credentials in the Authorization header are not correctly URL-encoded.');
  }
}

/** application/x-www-form-urlencoded decoding (`+` is a space), as RFC 6749 prescribes for Basic. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
