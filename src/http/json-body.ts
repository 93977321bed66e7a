/**
 * JSON request bodies: Fastify's own parser (it refuses `__proto__` and `constructor.prototype`
 * keys), then a nesting limit. Nothing the STS reads nests more than a few levels; a body nested
 * thousands deep only costs whoever walks it later, so it is refused here with its own code.
 */
import type { FastifyInstance } from 'fastify';
import { jsonDepthExceeds } from '../common/json-depth';
import { InvalidRequestError } from '../errors/sts-errors';

export function registerJsonBodyParser(fastify: FastifyInstance, maxDepth: number): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      if (jsonDepthExceeds(value, maxDepth)) {
        return done(new InvalidRequestError(`The request body nests arrays and objects more than ${maxDepth} levels deep.`, { code: 'json_too_deep' }), undefined);
      }
      done(null, value);
    });
  });
}
