/** 503 key_unavailable: the token holding a signing key did not answer (removed, down, too slow). */
import { ServiceUnavailableError } from '../../errors/sts-errors';

export class KeyUnavailableError extends ServiceUnavailableError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'key_unavailable', cause });
  }
}
