/**
 * Calls the console API. The CSRF token lives in this module's memory only (never in
 * localStorage or sessionStorage); the session itself is an HttpOnly cookie script cannot read.
 */
/** A problem the server found at one key of an instance (`oidc.signing_key`), or at none (''). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/console/api${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  if (!response.ok) {
    const fields = Array.isArray(json?.fields) ? (json.fields as FieldError[]) : [];
    throw new ApiError(response.status, String(json?.error ?? 'error'), String(json?.message ?? `The server answered ${response.status}.`), fields);
  }
  return json as T;
}
