import { Logger, NotFoundException } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { InternalStsError, ServiceUnavailableError } from './sts-errors';
import { StsExceptionFilter } from './sts-exception.filter';

/** Runs the filter on `exception` for `method url`; returns what was sent and logged. */
function filtered(exception: unknown, method: string, url: string) {
  const headers: Record<string, string> = {};
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const request = { method, url, id: 'req-1' };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  try {
    new StsExceptionFilter().catch(exception, host);
    return { ...sent, headers, warn: warn.mock.calls, error: error.mock.calls };
  } finally {
    warn.mockRestore();
    error.mockRestore();
  }
}

describe('StsExceptionFilter', () => {
  it.each([
    ['GET', '/rest-sts/default?_action=translate'],
    ['DELETE', '/rest-sts/eu/fr/partners'],
    ['PUT', '/oauth2/default/token'],
    ['PATCH', '/oauth2/eu/partners/introspect'],
    ['GET', '/oauth2/default/revoke/'],
  ])('turns the framework 404 for %s %s into 405 with Allow: POST', (method, url) => {
    const out = filtered(new NotFoundException(`Cannot ${method} ${url}`), method, url);
    expect(out.status).toBe(405);
    expect(out.headers.allow).toBe('POST');
    expect(out.body).toEqual({ code: 405, reason: 'Method Not Allowed', message: `This endpoint takes POST only, not ${method}.`, error: 'method_not_allowed' });
  });

  it.each([
    ['GET', '/no-such-route'],
    ['GET', '/oauth2/default/jwks/extra'],
    ['GET', '/rest-sts/'],
  ])('leaves %s %s a 404 not_found', (method, url) => {
    const out = filtered(new NotFoundException('Cannot GET'), method, url);
    expect([out.status, (out.body as { error: string }).error, out.headers.allow]).toEqual([404, 'not_found', undefined]);
  });

  it('logs a 503 of ours as one warning line, no stack, with the cause\'s message', () => {
    const unavailable = new ServiceUnavailableError('The plugin "p" that handles CUSTOM tokens is not available.', { code: 'plugin_unavailable' });
    const out = filtered(unavailable, 'POST', '/rest-sts/custom?_action=translate');
    expect(out.status).toBe(503);
    expect(out.error).toEqual([]);
    expect(out.warn).toEqual([
      ['POST /rest-sts/custom?_action=translate -> 503 plugin_unavailable (request req-1): The plugin "p" that handles CUSTOM tokens is not available.'],
    ]);
    const withCause = filtered(new ServiceUnavailableError('Store down.', { code: 'token_store_unavailable', cause: new Error('ECONNREFUSED') }), 'POST', '/x');
    expect(withCause.warn[0][0]).toMatch(/-> 503 token_store_unavailable \(request req-1\): Store down\. \(ECONNREFUSED\)$/);
  });

  it('still logs a fault (500) as an error with its stack', () => {
    const out = filtered(new InternalStsError('boom', { cause: new Error('inner') }), 'POST', '/rest-sts/default');
    expect(out.warn).toEqual([]);
    expect(out.error).toHaveLength(1);
    expect(out.error[0][0]).toBe('POST /rest-sts/default -> 500 internal_error (request req-1)');
    expect(out.error[0][1]).toMatch(/^Error: inner\n\s+at /);
  });
});
