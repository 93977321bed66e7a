/** RFC 6749 section 5.2 error codes, in the SPEC 4.2 body (its `error` member is the OAuth code). */
import { StsError } from '../errors/sts-errors';

/** 401: client authentication failed (unknown client, wrong secret, no credentials). */
export class InvalidClientError extends StsError {
  constructor(message: string) {
    super(401, 'invalid_client', message);
  }
}
