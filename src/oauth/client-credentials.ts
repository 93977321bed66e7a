/**
 * Reads OAuth client credentials from a request: `client_secret_basic` (RFC 6749 section 2.3.1,
 * id and secret form-URL-encoded inside HTTP Basic) or `client_secret_post` (form parameters).
 * Using both at once is refused, as the RFC requires.
 */
import { InvalidRequestError } from '../errors/sts-errors';
import type { FormBody } from './form-body';
import { InvalidClientError } from './oauth-errors';

export interface ClientCredentials {
  readonly clientId: string;
  readonly secret: string;
}

export function clientCredentialsOf(authorization: string | undefined, form: FormBody): ClientCredentials {
  const postedId = form.single('client_id');
  const postedSecret = form.single('client_secret');
  if (authorization !== undefined) {
    if (postedSecret !== undefined) {
      throw new InvalidRequestError('Use one client authentication method: HTTP Basic or client_secret in the body, not both.');
    }
    const basic = fromBasic(authorization);
    if (postedId !== undefined && postedId !== basic.clientId) throw new InvalidRequestError('client_id differs from the authenticated client.');
    return basic;
  }
  if (postedId === undefined || postedSecret === undefined) {
    throw new InvalidClientError('Client authentication is required (HTTP Basic, or client_id and client_secret in the body).');
  }
  return { clientId: postedId, secret: postedSecret };
}

/** Credentials from HTTP Basic alone, for endpoints whose body is not a form (`_action=cancel`). */
export function basicClientCredentialsOf(authorization: string | undefined): ClientCredentials {
  if (authorization === undefined) throw new InvalidClientError('Client authentication is required (HTTP Basic).');
  return fromBasic(authorization);
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
