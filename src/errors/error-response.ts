/**
 * Turns any error into the SPEC 4.2 wire shape `{code, reason, message, error}`, hiding
 * everything not meant to be shown. The only function that decides what a client sees.
 */
import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { isStsError } from './sts-errors';

export interface ErrorBody {
  code: number;
  reason: string;
  message: string;
  error: string;
}

const GENERIC_500 = 'An unexpected error occurred; the server log has the details.';

/**
 * Domain code never throws HttpException, so one always comes from the framework: Nest wraps
 * Fastify's routing and body-parsing errors (bad or empty JSON, size limit, media type) in it.
 */
const FRAMEWORK_ERRORS: Record<number, { error: string; message: string }> = {
  400: { error: 'malformed_json', message: 'The request body is not valid JSON; send a JSON object.' },
  404: { error: 'not_found', message: 'No such endpoint.' },
  413: { error: 'payload_too_large', message: 'The request body is larger than this server accepts.' },
  415: { error: 'unsupported_media_type', message: 'Send the request body as application/json.' },
};

export function toErrorBody(error: unknown): ErrorBody {
  if (isStsError(error)) {
    return body(error.status, error.code, error.status === 500 ? GENERIC_500 : error.message);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const known = FRAMEWORK_ERRORS[status];
    if (known) return body(status, known.error, known.message);
    if (status < 500) return body(status, 'invalid_request', STATUS_CODES[status] ?? 'The request was refused.');
  }
  return body(500, 'internal_error', GENERIC_500);
}

/**
 * Marks errors rendered in the RFC 6749 section 5.2 shape `{error, error_description}` instead:
 * the token endpoint's, which OAuth clients parse (every other endpoint keeps SPEC 4.2).
 */
export const OAUTH_ERROR_SHAPE = Symbol.for('rest-sts.oauth-error-shape');

export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

/** The RFC 6749 body and status for an error so marked; undefined for every other error. */
export function toOAuthErrorBody(error: unknown): { status: number; body: OAuthErrorBody } | undefined {
  if (!isStsError(error) || (error as unknown as Record<symbol, unknown>)[OAUTH_ERROR_SHAPE] !== true) return undefined;
  return { status: error.status, body: { error: error.code, error_description: error.status === 500 ? GENERIC_500 : error.message } };
}

function body(status: number, error: string, message: string): ErrorBody {
  return { code: status, reason: STATUS_CODES[status] ?? 'Error', message, error };
}
