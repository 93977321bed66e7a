/**
 * Errors of `POST /oauth2{P}/token`, rendered as RFC 6749 section 5.2 `{error, error_description}`
 * (not the SPEC 4.2 shape): OAuth clients of a token endpoint parse exactly that.
 */
import { OAUTH_ERROR_SHAPE } from '../errors/error-response';
import { isStsError, StsError } from '../errors/sts-errors';

export type TokenEndpointErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'server_error'
  | 'temporarily_unavailable';

const STATUS: Partial<Record<TokenEndpointErrorCode, number>> = { invalid_client: 401, server_error: 500, temporarily_unavailable: 503 };

export class TokenExchangeError extends StsError {
  readonly [OAUTH_ERROR_SHAPE] = true;

  constructor(code: TokenEndpointErrorCode, description: string, options: { status?: number; cause?: unknown } = {}) {
    super(options.status ?? STATUS[code] ?? 400, code, description, { cause: options.cause });
  }
}

/**
 * Any failure on the exchange path in RFC terms. RFC 8693 section 2.2.2: a subject or actor token
 * that is invalid for any reason (a validator's 401 or 400) or unacceptable by policy MUST be
 * `invalid_request`; RFC 6749 section 5.2 answers 400 for it.
 */
export function toTokenExchangeError(error: unknown): TokenExchangeError {
  if (error instanceof TokenExchangeError) return error;
  if (!isStsError(error)) return new TokenExchangeError('server_error', 'The token could not be issued.', { cause: error });
  if (error.code === 'invalid_client') return new TokenExchangeError('invalid_client', error.message);
  if (error.code === 'invalid_scope') return new TokenExchangeError('invalid_scope', error.message);
  if (error.status === 500) return new TokenExchangeError('server_error', error.message, { cause: error.cause ?? error });
  if (error.status >= 500) return new TokenExchangeError('temporarily_unavailable', error.message, { status: error.status, cause: error.cause ?? error });
  // 401 (token rejected) becomes a 400; other client errors (413, 415, 429) keep their HTTP status.
  return new TokenExchangeError('invalid_request', error.message, { status: error.status === 401 ? 400 : error.status });
}
