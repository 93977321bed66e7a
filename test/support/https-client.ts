/**
 * POST (and GET) over HTTPS with an optional client certificate (node:https; fetch cannot present one).
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

export interface HttpsOptions {
  readonly caFile: string;
  readonly client?: ClientCertificate;
  readonly headers?: Record<string, string>;
}

/** A JSON body. */
export function httpsPost(url: string, body: unknown, options: HttpsOptions): Promise<TestResponse> {
  return httpsSend(url, JSON.stringify(body), 'application/json', options);
}

/** An `application/x-www-form-urlencoded` body (the OAuth endpoints). */
export function httpsPostForm(url: string, params: Record<string, string> | URLSearchParams, options: HttpsOptions): Promise<TestResponse> {
  return httpsSend(url, new URLSearchParams(params).toString(), 'application/x-www-form-urlencoded', options);
}

export function httpsGet(url: string, options: HttpsOptions): Promise<TestResponse> {
  return httpsSend(url, undefined, undefined, options);
}

function httpsSend(url: string, payload: string | undefined, contentType: string | undefined, options: HttpsOptions): Promise<TestResponse> {
  const body = payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method: payload === undefined ? 'GET' : 'POST',
        agent: false,
        ca: readFileSync(options.caFile),
        rejectUnauthorized: true,
        ...(options.client && { key: readFileSync(options.client.keyFile), cert: readFileSync(options.client.certFile) }),
        headers: { ...body, ...options.headers },
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
