/**
 * The console's sessions over HTTP: absent without an admin token; sign-in with the admin token
 * (wrong token refused, logged to the audit trail, limited per address); the cookie's flags on
 * HTTP and HTTPS; the CSRF token on every change; the idle timeout; sign-out.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { ConsoleSessions, CONSOLE_IDLE_TIMEOUT_MS } from '../../../src/console/console-sessions';
import { FailedSignIns } from '../../../src/console/failed-sign-ins';
import { AUDIT_LOG, type AuditLog } from '../../../src/logging/audit-log';
import { expectErrorBody } from '../../support/error-body';
import { httpsPost } from '../../support/https-client';
import { opensslOk, removeOpensslWorkDir, tempPath } from '../../support/openssl';
import { rootRealm } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';
import { CONSOLE_ADMIN_TOKEN, ConsoleClient } from './console-client';

describe('console routes without STS_ADMIN_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ root: await rootRealm() })));
  afterAll(() => server.close());

  it.each([
    ['GET', '/console'],
    ['GET', '/console/assets/console.css'],
    ['POST', '/console/api/session'],
    ['GET', '/console/api/instances'],
    ['POST', '/console/api/playground'],
  ])('%s %s is a 404 like any unknown path', async (method, path) => {
    const response = await fetch(server.baseUrl + path, { method, headers: { 'content-type': 'application/json', authorization: 'Bearer anything' }, ...(method === 'POST' && { body: '{}' }) });
    expect(response.status).toBe(404);
  });
});

describe('console sessions', () => {
  let server: TestServer;
  let sessions: ConsoleSessions;
  let failedSignIns: FailedSignIns;
  let audit: jest.SpyInstance;
  let now: number;

  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() }, { adminToken: CONSOLE_ADMIN_TOKEN });
    sessions = server.app.get(ConsoleSessions);
    failedSignIns = server.app.get(FailedSignIns);
    audit = jest.spyOn(server.app.get<symbol, AuditLog>(AUDIT_LOG), 'record');
  });
  afterAll(() => server.close());
  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    sessions.clock = () => now;
    failedSignIns.clock = () => now;
    audit.mockClear();
  });

  it('serves the console page with a policy that allows no inline script or style and nothing from elsewhere', async () => {
    const response = await fetch(`${server.baseUrl}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
    expect(html).not.toMatch(/\sstyle=|<style/);
  });

  it('serves only plain asset names: anything else is a 404 with a stable code', async () => {
    for (const name of ['..%2Fpackage.json', 'index.html', 'missing.js', '.hidden.css']) {
      const response = await new ConsoleClient(server.baseUrl).get(`/console/assets/${name}`);
      expectErrorBody(response, 404, 'console_asset_not_found');
    }
  });

  it('refuses a wrong admin token with 401, names no token in the answer, and audits the failure', async () => {
    const client = new ConsoleClient(server.baseUrl);
    const response = await client.signIn('not-the-admin-token');
    expectErrorBody(response, 401, 'admin_unauthorized');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(JSON.stringify(response.body)).not.toContain('not-the-admin-token');
    expect(audit).toHaveBeenCalledWith(expect.objectContaining({ action: 'authenticate', outcome: 'failure', credential: 'admin', error: 'admin_unauthorized' }));
    failedSignIns.clear('127.0.0.1');
  });

  it.each([
    ['no body', undefined],
    ['no admin_token', {}],
    ['an admin_token that is not a string', { admin_token: 42 }],
    ['an empty admin_token', { admin_token: '' }],
  ])('refuses a sign-in with %s: 400 admin_token_missing', async (_, body) => {
    const response = await fetch(`${server.baseUrl}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? null) });
    expectErrorBody({ status: response.status, headers: response.headers, body: await response.json() }, 400, 'admin_token_missing');
  });

  it('signs in with the admin token: an HttpOnly, SameSite=Strict cookie under /console, not Secure over HTTP, and a CSRF token', async () => {
    const client = new ConsoleClient(server.baseUrl);
    const response = await client.signIn();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ csrf_token: expect.stringMatching(/^[\w-]{43}$/) });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sts_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict$/);
    expect(audit).toHaveBeenCalledWith(expect.objectContaining({ action: 'authenticate', outcome: 'success', credential: 'admin' }));
    expect((await client.get('/console/api/session')).body).toEqual({ csrf_token: response.body.csrf_token });
  });

  it('refuses the API without a session: 401 console_session_required', async () => {
    for (const path of ['/console/api/session', '/console/api/instances', '/console/api/keys', '/console/api/plugins', '/console/api/status']) {
      expectErrorBody(await new ConsoleClient(server.baseUrl).get(path), 401, 'console_session_required');
    }
    const forged = new ConsoleClient(server.baseUrl);
    forged.cookie = 'sts_console=made-up';
    expectErrorBody(await forged.get('/console/api/instances'), 401, 'console_session_required');
  });

  it('refuses a change without the CSRF token, or with another session\'s: 403 csrf_token_invalid', async () => {
    const client = new ConsoleClient(server.baseUrl);
    const other = new ConsoleClient(server.baseUrl);
    await client.signIn();
    await other.signIn();
    expectErrorBody(await client.send('DELETE', '/console/api/session', undefined, null), 403, 'csrf_token_invalid');
    expectErrorBody(await client.send('DELETE', '/console/api/session', undefined, other.csrfToken!), 403, 'csrf_token_invalid');
    expectErrorBody(await client.send('POST', '/console/api/playground', { instance: '/default' }, null), 403, 'csrf_token_invalid');
    // Still signed in: a refused change ends nothing.
    expect((await client.get('/console/api/instances')).status).toBe(200);
  });

  it('ends a session left unused for longer than the idle timeout', async () => {
    const client = new ConsoleClient(server.baseUrl);
    await client.signIn();
    now += CONSOLE_IDLE_TIMEOUT_MS; // used within the timeout: still alive, and the clock restarts
    expect((await client.get('/console/api/instances')).status).toBe(200);
    now += CONSOLE_IDLE_TIMEOUT_MS + 1;
    expectErrorBody(await client.get('/console/api/instances'), 401, 'console_session_required');
  });

  it('signs out: the cookie is cleared and the session refused from then on', async () => {
    const client = new ConsoleClient(server.baseUrl);
    await client.signIn();
    const response = await client.send('DELETE', '/console/api/session');
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/^sts_console=; Max-Age=0; Path=\/console; HttpOnly; SameSite=Strict$/);
    expectErrorBody(await client.get('/console/api/instances'), 401, 'console_session_required');
    expectErrorBody(await client.send('DELETE', '/console/api/session'), 401, 'console_session_required');
  });

  it('refuses sign-ins from an address after five failures, even with the right token, until the minute is over', async () => {
    const client = new ConsoleClient(server.baseUrl);
    for (let attempt = 0; attempt < 5; attempt++) expect((await client.signIn('wrong')).status).toBe(401);
    const refused = await client.signIn();
    expectErrorBody(refused, 429, 'too_many_sign_ins');
    expect(refused.headers.get('retry-after')).toBe('60');
    now += 60_000;
    expect((await client.signIn()).status).toBe(200);
  });
});

describe('console sessions over HTTPS', () => {
  let server: TestServer;
  let caFile: string;

  beforeAll(async () => {
    const keyFile = tempPath('.key');
    caFile = tempPath('.crt');
    opensslOk(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', caFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2']);
    server = await startTestServer({ root: await rootRealm() }, { adminToken: CONSOLE_ADMIN_TOKEN, tls: { keyFile, certificateFile: caFile } });
  });
  afterAll(async () => {
    await server.close();
    removeOpensslWorkDir();
  });

  it('marks the session cookie Secure', async () => {
    const url = join(server.baseUrl.replace('http:', 'https:'), '/console/api/session').replace('https:/', 'https://');
    const response = await httpsPost(url, { admin_token: CONSOLE_ADMIN_TOKEN }, { caFile });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(/^sts_console=[\w-]{43}; Path=\/console; HttpOnly; Secure; SameSite=Strict$/);
  });
});

describe('console API under the server\'s rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ root: await rootRealm() }, { adminToken: CONSOLE_ADMIN_TOKEN }, { rate_limits: { per_address: { requests: 2, per_seconds: 60 } } });
  });
  afterAll(() => server.close());

  it('limits /console/api like the token endpoints and the admin API, but not the page itself', async () => {
    const client = new ConsoleClient(server.baseUrl);
    expect((await client.signIn('wrong')).status).toBe(401);
    expect((await client.signIn('wrong')).status).toBe(401);
    const limited = await client.signIn();
    expectErrorBody(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.baseUrl}/console`)).status).toBe(200);
  });
});
