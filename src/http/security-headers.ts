/**
 * Headers on every answer. The API serves JSON to programs: no sniffing, no framing, no referrer,
 * a CSP that allows nothing (Swagger UI under /docs gets what it needs from this server; a
 * handler that serves a page, the OIDC form_post, sets its own), and
 * `Cache-Control: no-store` unless a handler chose caching itself (JWKS, published
 * certificates), so no token or error is ever kept by a cache. HSTS when serving HTTPS.
 */
import type { FastifyInstance } from 'fastify';

const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function registerSecurityHeaders(fastify: FastifyInstance, https: boolean): void {
  // Built once: this runs on every answer.
  const common = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...(https && { 'strict-transport-security': 'max-age=31536000' }),
  };
  const api = { ...common, 'content-security-policy': API_CSP };
  const docs = { ...common, 'content-security-policy': DOCS_CSP };
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // A page a handler serves (an OIDC form_post) brings its own, stricter-fitted policy.
    const ownPolicy = reply.getHeader('content-security-policy');
    void reply.headers(request.url === '/docs' || request.url.startsWith('/docs/') ? docs : api);
    if (ownPolicy !== undefined) void reply.header('content-security-policy', ownPolicy);
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
