/**
 * `application/x-www-form-urlencoded` bodies, which the OAuth endpoints (RFC 6749, 7009, 7662)
 * require. Accepted only under `/oauth2/`; everywhere else a form stays a 415, as before.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError, StsError } from '../errors/sts-errors';

/** No OAuth request needs more (RFC 8693 has eleven parameters, some repeatable). */
export const MAX_FORM_PARAMETERS = 100;

export class FormBody {
  private readonly params: URLSearchParams;

  constructor(text: string) {
    this.params = new URLSearchParams(text);
  }

  get size(): number {
    return this.params.size;
  }

  /** The parameter's value; RFC 6749 section 3.2: parameters must not repeat. */
  single(name: string): string | undefined {
    const values = this.params.getAll(name);
    if (values.length > 1) throw new InvalidRequestError(`The parameter ${name} appears more than once.`);
    return values[0];
  }

  /** Every value of a parameter that may repeat (RFC 8693 `audience`, `resource`). */
  all(name: string): string[] {
    return this.params.getAll(name);
  }

  required(name: string): string {
    const value = this.single(name);
    if (value === undefined || value.length === 0) throw new InvalidRequestError(`The parameter ${name} is required.`);
    return value;
  }
}

export function registerFormBodyParser(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!request.url.startsWith('/oauth2/')) {
      done(unsupportedMediaType('application/json'), undefined);
      return;
    }
    done(null, new FormBody(body as string));
  });
}

/** The OAuth endpoints take forms only (a JSON body is a 415 there). */
export function formOf(body: unknown): FormBody {
  if (!(body instanceof FormBody)) throw unsupportedMediaType('application/x-www-form-urlencoded');
  if (body.size > MAX_FORM_PARAMETERS) {
    throw new InvalidRequestError(`The form has more than ${MAX_FORM_PARAMETERS} parameters.`, { code: 'too_many_parameters' });
  }
  return body;
}

function unsupportedMediaType(expected: string): StsError {
  return new StsError(415, 'unsupported_media_type', `Send the request body as ${expected}.`);
}
