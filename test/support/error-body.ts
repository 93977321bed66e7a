/** Assertions on the SPEC 4.2 error body `{code, reason, message, error}`. */
import type { TestResponse } from './test-server';

/** Written out here rather than taken from node:http, so the tests do not share the code's source of truth. */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  422: 'Unprocessable Entity',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Traces of a stack or of source files that must never reach a client. */
const LEAKS = [/\n\s*at /, /\bat [\w.<>]+ \(/, /\.[jt]s:\d+/, /node_modules/, /\bstack\b/i];

export function expectErrorBody(res: TestResponse, status: number, error: string): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error });
  expect(Object.keys(res.body).sort()).toEqual(['code', 'error', 'message', 'reason']);
  expect(res.body.code).toBe(status);
  expect(res.body.reason).toBe(REASONS[status]);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message.length).toBeGreaterThan(0);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const text = JSON.stringify(res.body);
  for (const leak of LEAKS) expect(text).not.toMatch(leak);
}
