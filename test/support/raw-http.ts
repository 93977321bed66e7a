/**
 * HTTP spoken byte by byte over a TCP socket, for requests fetch() cannot send: malformed ones,
 * half-sent ones, and ones that repeat a header on separate lines.
 */
import { connect } from 'node:net';
import type { TestResponse } from './test-server';

export interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: unknown;
}

/** Sends raw bytes and collects the answer until the server closes the connection. */
export function rawExchange(port: number, bytes: string, closeAfterMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error('no answer')), closeAfterMs);
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', (error) => (text ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      const [head, body] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]);
      resolve({ status, headers: head ?? '', body: body ? JSON.parse(body) : undefined });
    });
  });
}

/** The raw answer as a TestResponse, so the SPEC body checks apply unchanged. */
export function asTestResponse(raw: RawAnswer): TestResponse {
  const headers = new Headers();
  for (const line of raw.headers.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: raw.status, headers, body: raw.body };
}

/** A JSON POST whose header lines are sent exactly as given (`[name, value]` pairs, repeats included). */
export async function rawJsonPost(baseUrl: string, path: string, body: unknown, headerLines: readonly [string, string][]): Promise<TestResponse> {
  const json = JSON.stringify(body);
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Connection: close',
    ...headerLines.map(([name, value]) => `${name}: ${value}`),
  ];
  return asTestResponse(await rawExchange(Number(new URL(baseUrl).port), `${head.join('\r\n')}\r\n\r\n${json}`));
}
