/**
 * Headers on every answer. The API serves JSON to programs: no sniffing, no framing, no referrer,
 * a CSP that allows nothing (Swagger UI under /docs gets what it needs from this server), and
 * `Cache-Control: no-store` unless a handler chose caching itself (JWKS, published
 * certificates), so no token or error is ever kept by a cache. HSTS when serving HTTPS.
 */
import type { FastifyInstance } from 'fastify';

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function registerSecurityHeaders(fastify: FastifyInstance, https: boolean): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const docs = request.url === '/docs' || request.url.startsWith('/docs/');
    void reply.headers({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': docs ? DOCS_CSP : API_CSP,
      ...(https && { 'strict-transport-security': 'max-age=31536000' }),
    });
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
