/**
 * Error redirects (RFC 6749 section 4.1.2.1, OpenID Connect Core 3.1.2.6): our failures mapped
 * to OAuth error codes, and a caller's own error (`_action=redirect_error`) checked against the
 * characters RFC 6749 appendix A allows, so what reaches the client is always well-formed.
 */
import { InvalidRequestError, isStsError } from '../errors/sts-errors';

/** RFC 6749 appendix A.7 / A.8: error and error_description, %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`). */
const NQSCHAR = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
/** error: NQSCHAR without the space (A.7). */
const ERROR_CODE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const MAX_DESCRIPTION_LENGTH = 512;
const MAX_CODE_LENGTH = 64;

export interface RedirectError {
  readonly error: string;
  readonly error_description?: string;
  /** A caller's own finer code and reason (DaVinci's custom error code and reason), sent as such. */
  readonly error_code?: string;
  readonly error_reason?: string;
}

/**
 * What a failed translate sends the client: a rejected credential is access_denied, a bad
 * request invalid_request, an overload temporarily_unavailable, anything else server_error
 * (with a fixed description: a fault of ours is not described to the browser).
 */
export function redirectErrorOf(error: unknown): RedirectError {
  const status = isStsError(error) ? error.status : 500;
  if (status === 401 || status === 403) return { error: 'access_denied', error_description: describe(error) };
  if (status === 429 || status === 503) return { error: 'temporarily_unavailable', error_description: 'The service is busy; try again shortly.' };
  if (status >= 400 && status < 500) return { error: 'invalid_request', error_description: describe(error) };
  return { error: 'server_error', error_description: 'The server could not complete the request.' };
}

/** An StsError's message made safe for error_description (characters outside NQSCHAR replaced). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : 'The request was refused.';
  return message.replace(/"/g, "'").replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, MAX_DESCRIPTION_LENGTH);
}

/** The members of a `redirect_error` body, checked; a bad one is a 400 (never sent to the client). */
export function callerRedirectError(body: { error: unknown; error_description?: unknown; error_code?: unknown; error_reason?: unknown }): RedirectError {
  const error = checked('error', body.error, ERROR_CODE, MAX_CODE_LENGTH, true)!;
  const description = checked('error_description', body.error_description, NQSCHAR, MAX_DESCRIPTION_LENGTH, false);
  const code = checked('error_code', body.error_code, ERROR_CODE, MAX_CODE_LENGTH, false);
  const reason = checked('error_reason', body.error_reason, NQSCHAR, MAX_DESCRIPTION_LENGTH, false);
  return {
    error,
    ...(description !== undefined && { error_description: description }),
    ...(code !== undefined && { error_code: code }),
    ...(reason !== undefined && { error_reason: reason }),
  };
}

function checked(name: string, value: unknown, charset: RegExp, maxLength: number, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length > maxLength || !charset.test(value)) {
    const spaces = charset === ERROR_CODE ? 'no spaces, ' : '';
    throw new InvalidRequestError(
      `${name} ${required ? 'is required and ' : ''}must be 1 to ${maxLength} printable ASCII characters (${spaces}no " or \\), as RFC 6749 appendix A allows.`,
      { code: 'invalid_error_parameter' },
    );
  }
  return value;
}
