/** A console user agent for the e2e tests: keeps the session cookie and the CSRF token, as the browser does. */
import type { TestResponse } from '../../support/test-server';

export const CONSOLE_ADMIN_TOKEN = 'admin-token-for-the-console-tests';

export class ConsoleClient {
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async signIn(adminToken: unknown = CONSOLE_ADMIN_TOKEN): Promise<TestResponse> {
    const response = await this.call('POST', '/console/api/session', { admin_token: adminToken });
    const setCookie = response.headers.get('set-cookie');
    if (response.status === 200 && setCookie) {
      this.cookie = setCookie.split(';')[0];
      this.csrfToken = response.body.csrf_token;
    }
    return response;
  }

  get(path: string): Promise<TestResponse> {
    return this.call('GET', path);
  }

  /** A change, with the session's CSRF token unless `csrfToken` says otherwise (null: none). */
  send(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, csrfToken: string | null = this.csrfToken ?? null): Promise<TestResponse> {
    return this.call(method, path, body, csrfToken);
  }

  private async call(method: string, path: string, body?: unknown, csrfToken?: string | null): Promise<TestResponse> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json && text ? JSON.parse(text) : text };
  }
}
