/** A publish refused by the realm loader, with its problems kept, so a form can show each at its field. */
import { InvalidRequestError } from '../../errors/sts-errors';
import type { ConfigProblem } from '../config-problem';

export class InvalidInstanceStateError extends InvalidRequestError {
  constructor(
    message: string,
    /** Every problem the loader found, with its file and key path. */
    readonly problems: readonly ConfigProblem[],
  ) {
    super(message, { code: 'invalid_instance_state' });
  }
}
