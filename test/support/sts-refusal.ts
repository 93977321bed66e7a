/** What a synchronous call refused with: its StsError's status, code and message. */
import { isStsError } from '../../src/errors/sts-errors';

export function refusal(work: () => unknown): { status: number; code: string; message: string } {
  try {
    work();
  } catch (error) {
    if (isStsError(error)) return { status: error.status, code: error.code, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}
