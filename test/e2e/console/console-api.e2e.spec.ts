/**
 * What the console reads and runs, over HTTP with a signed-in session: instances with their
 * transforms, issuer and document links; one instance as published with its revision; keys;
 * plugins; configuration status; and the playground, whose translate goes through the normal
 * pipeline (audited) and whose answer decodes and verifies the token and masks credentials.
 */
import 'reflect-metadata';
import { RecentActivity, RECENT_EVENTS } from '../../../src/console/recent-activity';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_LOG, type AuditLog } from '../../../src/logging/audit-log';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { expectErrorBody } from '../../support/error-body';
import { DEMO_PASSWORD, oidcInstance, rootRealm, saml2Instance } from '../../support/realm-fixtures';
import { EC_P256_KEY, removeOpensslWorkDir, tempPath, writeSelfSigned } from '../../support/openssl';
import { startTestServer, type TestServer } from '../../support/test-server';
import { CONSOLE_ADMIN_TOKEN, ConsoleClient } from './console-client';

const SAML2_SETTINGS = {
  issuer: 'https://idp.sts.test',
  sp_entity_id: 'https://sp.test',
  sp_acs_url: 'https://sp.test/acs',
  signing_key: 'rsa-saml',
  attributes: [{ name: 'mail', source: 'mail' }],
};

describe('console API', () => {
  let server: TestServer;
  let client: ConsoleClient;
  let audit: jest.SpyInstance;

  beforeAll(async () => {
    const realm = await rootRealm();
    (realm.instances as Record<string, unknown>).sp = saml2Instance(SAML2_SETTINGS);
    (realm.keys as unknown[]).push({ kid: 'rsa-saml', use: 'sig', generate: { type: 'rsa', size: 2048 } });
    server = await startTestServer({ root: realm }, { adminToken: CONSOLE_ADMIN_TOKEN });
    // The test server logs nothing, so callers would skip building audit events: turn them on.
    const auditLog = server.app.get<symbol, AuditLog>(AUDIT_LOG);
    jest.spyOn(auditLog, 'enabled', 'get').mockReturnValue(true);
    audit = jest.spyOn(auditLog, 'record');
    client = new ConsoleClient(server.baseUrl);
    expect((await client.signIn()).status).toBe(200);
  });
  afterAll(() => server.close());

  it('lists the instances with their transforms, issuer and links to the documents they publish', async () => {
    const response = await client.get('/console/api/instances');
    expect(response.status).toBe(200);
    const byPath = Object.fromEntries(response.body.map((view: { path: string }) => [view.path, view]));
    expect(byPath['/default']).toEqual({
      path: '/default',
      realm: '/',
      name: 'default',
      transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
      outputs: ['OPENIDCONNECT'],
      issuer: 'https://sts.test',
      links: expect.arrayContaining([{ rel: 'JWKS', href: '/oauth2/default/jwks' }, { rel: 'OpenID discovery', href: '/.well-known/openid-configuration' }]),
    });
    expect(byPath['/sp'].links).toContainEqual({ rel: 'SAML metadata', href: '/saml2/sp/metadata' });
    expect(byPath['/sp'].issuer).toBe('https://idp.sts.test'); // the SAML issuer where there is no OIDC one
    // Every link is served.
    for (const { href } of [...byPath['/default'].links, ...byPath['/sp'].links]) expect([href, (await fetch(server.baseUrl + href)).status]).toEqual([href, 200]);
  });

  it('shows one instance as published, with its revision; an unknown one is a 404 instance_not_found', async () => {
    const response = await client.get('/console/api/instances/default');
    expect(response.status).toBe(200);
    expect(response.body.published).toEqual(expect.objectContaining({ realm: '/', name: 'default', supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }] }));
    expect(response.body.revision).toMatch(/\S+/);
    expect(response.headers.get('etag')).toBe(`"${response.body.revision}"`);
    expectErrorBody(await client.get('/console/api/instances/nowhere'), 404, 'instance_not_found');
  });

  it('lists the keys with use, type, state, who signs with them and with which algorithm, thumbprint and certificate expiry, and no key material', async () => {
    const response = await client.get('/console/api/keys');
    expect(response.status).toBe(200);
    const rsa = response.body.find((key: { kid: string }) => key.kid === 'rsa-1');
    expect(rsa).toEqual({
      realm: '/',
      kid: 'rsa-1',
      use: 'sig',
      type: 'RSA 2048',
      state: 'active',
      used_for: [{ instance: '/default', output: 'oidc', algorithm: 'RS256' }],
      jwk_thumbprint: expect.stringMatching(/^[\w-]{43}$/),
      certificate: { subject: expect.any(String), not_after: expect.any(String), x5t: expect.stringMatching(/^[\w-]{27}$/), generated: true, expires_soon: expect.any(Boolean) },
    });
    const hs = response.body.find((key: { kid: string }) => key.kid === 'hs-1');
    expect(hs).toEqual({ realm: '/', kid: 'hs-1', use: 'sig', type: 'oct 256', state: 'active', used_for: [{ instance: '/hs256', output: 'oidc', algorithm: 'HS256' }] });
    expect(response.body.find((key: { kid: string }) => key.kid === 'rsa-saml').used_for).toEqual([{ instance: '/sp', output: 'saml2', algorithm: 'default for the key' }]);
    expect(JSON.stringify(response.body)).not.toMatch(/"(d|k|p|q)":/);
  });

  it('reports plugins (none here) and the configuration status as the admin API does', async () => {
    expect(await client.get('/console/api/plugins')).toEqual(expect.objectContaining({ status: 200, body: [] }));
    const status = await client.get('/console/api/status');
    const admin = await (await fetch(`${server.baseUrl}/sts-publish/status`, { headers: { authorization: `Bearer ${CONSOLE_ADMIN_TOKEN}` } })).json();
    expect(status.body).toEqual(admin);
    expect(status.body.status).toBe('UP');
  });

  it('runs USERNAME -> OPENIDCONNECT: decoded claims, verified against the JWKS, audited, and a curl command without the password', async () => {
    audit.mockClear();
    const response = await client.send('POST', '/console/api/playground', {
      instance: '/default',
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n-1' },
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe(200);
    expect(response.body.token).toEqual({
      kind: 'jws',
      header: expect.objectContaining({ alg: 'RS256', kid: 'rsa-1' }),
      claims: expect.objectContaining({ iss: 'https://sts.test', sub: 'alice', email: 'alice@example.com', name: 'Alice Example', aud: 'rp-client' }),
      verified: true,
      verification: expect.stringContaining('verifies'),
    });
    expect(response.body.curl).toBe(
      `curl -X POST 'http://127.0.0.1:8080/rest-sts/default?_action=translate' -H 'content-type: application/json' -d '{"input_token_state":{"token_type":"USERNAME","username":"alice","password":"<password>"},"output_token_state":{"token_type":"OPENIDCONNECT","nonce":"n-1"}}'`,
    );
    expect(JSON.stringify(response.body)).not.toContain(DEMO_PASSWORD);
    expect(audit).toHaveBeenCalledWith(expect.objectContaining({ action: 'issue', outcome: 'success', instance: '/default', input_type: 'USERNAME', output_type: 'OPENIDCONNECT', principal: 'alice' }));
  });

  it('says when a symmetric key signs the token: there is nothing published to verify it with', async () => {
    const response = await client.send('POST', '/console/api/playground', {
      instance: '/hs256',
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n-1' },
    });
    expect(response.body.token).toEqual(expect.objectContaining({ kind: 'jws', verified: false, verification: expect.stringContaining('publishes no keys') }));
  });

  it('runs USERNAME -> SAML2: the assertion decoded with its conditions and attributes', async () => {
    const response = await client.send('POST', '/console/api/playground', {
      instance: '/sp',
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'SAML2', subject_confirmation: 'BEARER' },
    });
    expect(response.body.status).toBe(200);
    expect(response.body.token).toEqual(
      expect.objectContaining({
        kind: 'saml2',
        issuer: 'https://idp.sts.test',
        subject: 'alice',
        conditions: expect.objectContaining({ NotBefore: expect.any(String), NotOnOrAfter: expect.any(String), Audience: ['https://sp.test'] }),
        attributes: [{ name: 'mail', values: ['alice@example.com'] }],
        signed: true,
        verified: true,
        verification: expect.stringContaining('rsa-saml'),
      }),
    );
    expect(response.body.token.xml).toMatch(/^<saml:Assertion[^\n]*\n {2}<saml:Issuer/);
  });

  it('shows the STS refusal of a wrong password as the translate answered it, and audits the failure', async () => {
    audit.mockClear();
    const response = await client.send('POST', '/console/api/playground', {
      instance: '/default',
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: 'wrong' },
      output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n-1' },
    });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe(401);
    expect(response.body.error).toEqual(expect.objectContaining({ code: 401, error: expect.any(String) }));
    expect(response.body.token).toBeUndefined();
    expect(audit).toHaveBeenCalledWith(expect.objectContaining({ action: 'issue', outcome: 'failure', instance: '/default', error: 'invalid_credentials', remote_address: '127.0.0.1' }));
  });

  it('shows the recent audit events, newest first, with no credential in them, and each transform\'s count and rate', async () => {
    const activity = server.app.get(RecentActivity);
    let now = Date.parse('2026-01-01T00:00:00Z');
    activity.clock = () => now;
    const translate = () =>
      client.send('POST', '/console/api/playground', {
        instance: '/default',
        input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
        output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n-1' },
      });
    await translate();
    const first = await client.get('/console/api/activity');
    expect(first.status).toBe(200);
    expect(first.body.events[0]).toEqual(expect.objectContaining({ at: '2026-01-01T00:00:00.000Z', action: 'issue', outcome: 'success', instance: '/default', principal: 'alice' }));
    expect(JSON.stringify(first.body)).not.toContain(DEMO_PASSWORD);
    const success = (body: { transforms: { input: string; output: string; outcome: string; total: number }[] }) =>
      body.transforms.find((row) => row.input === 'USERNAME' && row.output === 'OPENIDCONNECT' && row.outcome === 'success');
    expect(success(first.body)).toEqual({ input: 'USERNAME', output: 'OPENIDCONNECT', outcome: 'success', total: expect.any(Number) });
    await translate();
    await translate();
    now += 60_000;
    const second = await client.get('/console/api/activity');
    expect(success(second.body)).toEqual(expect.objectContaining({ total: success(first.body)!.total + 2, per_minute: 2 }));
  });

  it(`keeps only the latest ${RECENT_EVENTS} audit events`, async () => {
    const audit = server.app.get<symbol, AuditLog>(AUDIT_LOG);
    for (let i = 0; i < RECENT_EVENTS + 10; i++) audit.record({ action: 'validate', outcome: 'success', instance: `/bulk-${i}` });
    const events = (await client.get('/console/api/activity')).body.events;
    expect(events).toHaveLength(RECENT_EVENTS);
    expect(events[0].instance).toBe(`/bulk-${RECENT_EVENTS + 9}`);
  });

  it.each([
    ['no instance', { input_token_state: { token_type: 'USERNAME' }, output_token_state: { token_type: 'OPENIDCONNECT' } }, 400, 'playground_instance_missing'],
    ['an instance that is not a path', { instance: 'default', input_token_state: { token_type: 'USERNAME' }, output_token_state: { token_type: 'OPENIDCONNECT' } }, 400, 'playground_instance_missing'],
    ['no input state', { instance: '/default', output_token_state: { token_type: 'OPENIDCONNECT' } }, 400, 'playground_state_missing'],
    ['an output state without token_type', { instance: '/default', input_token_state: { token_type: 'USERNAME' }, output_token_state: {} }, 400, 'playground_state_missing'],
    ['an unknown instance', { instance: '/nowhere', input_token_state: { token_type: 'USERNAME' }, output_token_state: { token_type: 'OPENIDCONNECT' } }, 404, 'instance_not_found'],
  ])('refuses a playground run with %s', async (_, body, status, code) => {
    expectErrorBody(await client.send('POST', '/console/api/playground', body), status, code);
  });
});

describe('console keys and configuration views: rotation, certificate expiry, a refused reload', () => {
  let server: TestServer;
  let client: ConsoleClient;

  beforeAll(async () => {
    // A certificate that ends in two days: inside the warning window.
    const keyFile = tempPath('.key');
    const certificateFile = tempPath('.crt');
    writeSelfSigned(keyFile, certificateFile, '/CN=short-lived', EC_P256_KEY);
    const realm = await rootRealm({
      keys: [
        { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
        { kid: 'ec-rotating', use: 'sig', generate: { type: 'ec', curve: 'P-256' }, rotation: { every_days: 30, prepublish_days: 7 } },
        { kid: 'short', use: 'sig', private_key_file: keyFile, certificate_file: certificateFile },
      ],
      instances: { default: oidcInstance('ES256', 'ec-rotating'), other: oidcInstance('ES256', 'short') },
    });
    server = await startTestServer({ root: realm }, { adminToken: CONSOLE_ADMIN_TOKEN });
    client = new ConsoleClient(server.baseUrl);
    await client.signIn();
  });
  afterAll(async () => {
    await server.close();
    removeOpensslWorkDir();
  });

  it('shows a rotating key\'s active version with its ring and next key event, and warns of a certificate about to expire', async () => {
    const keys = (await client.get('/console/api/keys')).body;
    expect(keys.find((key: { kid: string }) => key.kid === 'ec-rotating.v1')).toEqual(
      expect.objectContaining({ rotating_key: 'ec-rotating', state: 'active', type: 'EC P-256', activates_at: expect.any(String), next_key_event: expect.any(String), used_for: [{ instance: '/default', output: 'oidc', algorithm: 'ES256' }] }),
    );
    const short = keys.find((key: { kid: string }) => key.kid === 'short');
    expect(short.certificate).toEqual(expect.objectContaining({ subject: 'CN=short-lived', generated: false, expires_soon: true }));
    expect(keys.find((key: { kid: string }) => key.kid === 'ec-1').certificate.expires_soon).toBe(false);
  });

  it('shows a refused reload with the file and the reason, while the previous configuration is served', async () => {
    const realmFile = join(server.configDir, 'realms', 'root.yaml');
    const good = await readFile(realmFile, 'utf8');
    await writeFile(realmFile, good.replace('signing_key: short', 'signing_key: no-such-key'));
    expect((await server.app.get(RealmRegistry).reload()).applied).toBe(false);
    const status = (await client.get('/console/api/status')).body;
    expect(status.status).toBe('STALE');
    expect(status.refused_reload.problems).toEqual([expect.objectContaining({ file: realmFile, path: 'instances.other.oidc.signing_key', message: expect.stringContaining('no-such-key') })]);
    await writeFile(realmFile, good);
    expect((await server.app.get(RealmRegistry).reload()).applied).toBe(true);
    expect((await client.get('/console/api/status')).body.status).toBe('UP');
  });
});
