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

/** What an asynchronous call rejected with: its StsError's status, code and message. */
export async function refusalOf(work: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isStsError(error)) throw new Error(`expected an StsError, got ${String(error)}`);
  return { status: error.status, code: error.code, message: error.message };
}
