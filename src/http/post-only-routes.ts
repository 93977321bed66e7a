/**
 * URLs that take POST only: `/rest-sts{P}` and `/oauth2{P}/token|introspect|revoke`. Another
 * method there is a 405 with `Allow: POST` (RFC 9110 section 15.5.6), not a 404 that would make
 * a client look for a typo in the path.
 */
import { MethodNotAllowedError } from '../errors/sts-errors';

const POST_ONLY = [/^\/rest-sts\/./, /^\/oauth2\/.+\/(token|introspect|revoke)\/?$/];

/** The 405 for `method` on `url`, or undefined when the URL is not a POST-only endpoint (or the method is POST). */
export function postOnlyRefusal(method: string, url: string): MethodNotAllowedError | undefined {
  const path = url.split('?')[0];
  if (method === 'POST' || !POST_ONLY.some((pattern) => pattern.test(path))) return undefined;
  return new MethodNotAllowedError(['POST'], `This endpoint takes POST only, not ${method}.`);
}
