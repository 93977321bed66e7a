/**
 * POST over HTTPS with an optional client certificate (node:https; fetch cannot present one).
 * The server is checked against `caFile`; one fresh connection per request, so no TLS session
 * or certificate carries over from one call to the next.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TestResponse } from './test-server';

export interface ClientCertificate {
  readonly keyFile: string;
  /** PEM: the leaf, optionally followed by intermediates to send. */
  readonly certFile: string;
}

export function httpsPost(
  url: string,
  body: unknown,
  options: { caFile: string; client?: ClientCertificate; headers?: Record<string, string> },
): Promise<TestResponse> {
  const payload = JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        ca: readFileSync(options.caFile),
        rejectUnauthorized: true,
        ...(options.client && { key: readFileSync(options.client.keyFile), cert: readFileSync(options.client.certFile) }),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolvePromise({ status: res.statusCode ?? 0, headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
