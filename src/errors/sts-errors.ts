/**
 * Every failure the STS reports to a client is one of these: an HTTP status, a stable machine
 * code (what clients and tests match on) and a message written for a person. Plain classes with
 * no framework import, so plugins can throw them too.
 */
const STS_ERROR_BRAND = Symbol.for('rest-sts.error');

export interface StsErrorOptions {
  /** Overrides the class's default machine code. */
  code?: string;
  /** Kept for the log; never sent to the client. */
  cause?: unknown;
}

export class StsError extends Error {
  readonly [STS_ERROR_BRAND] = true;
  readonly code: string;

  constructor(
    readonly status: number,
    defaultCode: string,
    message: string,
    options: StsErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
  }
}

/** True for StsErrors, including ones thrown by a plugin that bundled its own copy of this file. */
export function isStsError(value: unknown): value is StsError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[STS_ERROR_BRAND] === true &&
    typeof (value as StsError).status === 'number' &&
    typeof (value as StsError).code === 'string'
  );
}

/** 400: the request is malformed or asks for something the instance does not offer. */
export class InvalidRequestError extends StsError {
  constructor(message: string, options?: StsErrorOptions) {
    super(400, 'invalid_request', message, options);
  }
}

/** 401: the input token (or credential) was rejected. */
export class InvalidTokenError extends StsError {
  constructor(message: string, options?: StsErrorOptions) {
    super(401, 'invalid_token', message, options);
  }
}

/** 404: no such realm, instance or route. */
export class NotFoundError extends StsError {
  constructor(message: string, options?: StsErrorOptions) {
    super(404, 'not_found', message, options);
  }
}

/** 409: the request conflicts with how the instance is configured. */
export class ConflictError extends StsError {
  constructor(message: string, options?: StsErrorOptions) {
    super(409, 'conflict', message, options);
  }
}

/** 405: the URL takes other methods only; the filter sends `Allow: <allow>`. */
export class MethodNotAllowedError extends StsError {
  constructor(
    readonly allow: readonly string[],
    message: string,
  ) {
    super(405, 'method_not_allowed', message);
  }
}

/** 503: something the request needs (a store, a plugin, a remote key set) is not available. */
export class ServiceUnavailableError extends StsError {
  constructor(message: string, options?: StsErrorOptions) {
    super(503, 'service_unavailable', message, options);
  }
}

/** 500: a fault on our side. The message is generic on the wire; the cause goes to the log. */
export class InternalStsError extends StsError {
  constructor(message: string, options?: StsErrorOptions) {
    super(500, 'internal_error', message, options);
  }
}

/** 503: the token store (SQLite file, Redis) did not answer; stateless transforms keep working. */
export class TokenStoreUnavailableError extends ServiceUnavailableError {
  constructor(options?: StsErrorOptions) {
    super('The token store is not available right now; try again shortly.', { code: 'token_store_unavailable', ...options });
  }
}

/** 429: too many requests or failed logins; the filter sends `Retry-After: <retryAfterSeconds>`. */
export class TooManyRequestsError extends StsError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, code, message);
  }
}
