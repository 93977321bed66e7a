/** Form posts to the OAuth endpoints (RFC 7662, 7009), with client_secret_basic when asked. */
import type { TestResponse } from './test-server';

export function basicAuthorization(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export async function postForm(
  baseUrl: string,
  path: string,
  params: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const response = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof params === 'string' ? params : new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
