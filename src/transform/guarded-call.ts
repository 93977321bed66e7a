/**
 * Runs a validator's or token provider's code: StsErrors pass through; anything else is a fault
 * of that code and becomes a 500 with `code`. Work that does not settle within `timeoutMs` becomes
 * a 504; its late answer is dropped.
 */
import { InternalStsError, isStsError, StsError } from '../errors/sts-errors';

export async function guardedCall<T>(timeoutMs: number, code: string, work: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = work();
    if (!isThenable(result)) return result;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StsError(504, 'token_processing_timeout', 'The token could not be processed in time.')), timeoutMs);
    });
    return await Promise.race([Promise.resolve(result), timeout]);
  } catch (error) {
    if (isStsError(error)) throw error;
    throw new InternalStsError('The token could not be processed.', { code, cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}
