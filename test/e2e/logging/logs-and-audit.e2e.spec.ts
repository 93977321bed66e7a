/**
 * Structured JSON logs with request ids, and an audit line for every issue, validate,
 * cancel, introspect, revoke and failed authentication. A full run against the BUILT server,
 * then its whole output is searched for every secret the run used: none may appear.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { basicAuthorization, postForm } from '../../support/oauth-client';
import { DEMO_PASSWORD, oidcInstance, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { killAll, startSpawnedServer, type SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

const ADMIN_TOKEN = 'admin-token-that-must-never-be-logged';
const CLIENT_SECRET = 'client-secret-that-must-never-be-logged';
const WRONG_PASSWORD = 'wrong-password-that-must-never-be-logged';
const WRONG_SECRET = 'wrong-client-secret-never-logged';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  reqId?: string;
  audit?: Record<string, string | undefined>;
  [key: string]: unknown;
}

let server: SpawnedServer;
let dataDir: string;
const issued: string[] = [];
const requestIds: string[] = [];

function lines(): LogLine[] {
  return server.output.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine);
}

function audits(): Record<string, string | undefined>[] {
  return lines().flatMap((line) => (line.audit ? [line.audit] : []));
}

beforeAll(async () => {
  const realm = await rootRealm({
    instances: {
      default: oidcInstance('ES256', 'ec-1', {
        persist_issued_tokens: true,
        // The relying party the ID tokens are issued to (azp): it may introspect and revoke them.
        oauth_clients: [{ client_id: 'rp-client', client_secret_env: 'TEST_CLIENT_SECRET' }],
      }),
    },
  });
  const dir = await writeConfigDir({ root: realm });
  dataDir = dir.dataDir;
  server = await startSpawnedServer(dir.root, {
    STS_CONFIG_DIR: dir.configDir,
    STS_DATA_DIR: dir.dataDir,
    STS_PLUGINS_DIR: join(dir.root, 'plugins'),
    STS_ADMIN_TOKEN: ADMIN_TOKEN,
    TEST_CLIENT_SECRET: CLIENT_SECRET,
  });

  const call = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(server.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    requestIds.push(response.headers.get('x-request-id') ?? '');
    return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  };
  const good = await call('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD), { 'x-request-id': 'gateway-id-42' });
  expect(good.status).toBe(200);
  issued.push(good.body.issued_token);
  const second = await call('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD), { 'x-request-id': 'bad id with spaces and {json}' });
  issued.push(second.body.issued_token);
  expect((await call('/rest-sts/default?_action=translate', usernameToOidc('alice', WRONG_PASSWORD))).status).toBe(401);
  const state = (token: string) => ({ token_type: 'OPENIDCONNECT', oidc_id_token: token });
  expect((await call('/rest-sts/default?_action=validate', { validated_token_state: state(issued[0]) })).body.token_valid).toBe(true);
  expect((await call('/rest-sts/default?_action=cancel', { cancelled_token_state: state(issued[0]) })).status).toBe(200);
  const client = { authorization: basicAuthorization('rp-client', CLIENT_SECRET) };
  expect((await postForm(server.baseUrl, '/oauth2/default/introspect', { token: issued[1] }, client)).body.active).toBe(true);
  expect((await postForm(server.baseUrl, '/oauth2/default/revoke', { token: issued[1] }, client)).status).toBe(200);
  expect((await postForm(server.baseUrl, '/oauth2/default/introspect', { token: issued[1] }, { authorization: basicAuthorization('rp-client', WRONG_SECRET) })).status).toBe(401);
  const admin = await fetch(`${server.baseUrl}/sts-publish/rest`, { headers: { authorization: 'Bearer not-the-admin-token-either' } });
  expect(admin.status).toBe(401);
  expect((await fetch(`${server.baseUrl}/sts-publish/rest`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  await server.stop();
}, 60_000);
afterAll(() => killAll());

test('every line on stdout is a JSON log record with level, time and message', () => {
  const all = lines();
  expect(all.length).toBeGreaterThan(10);
  for (const line of all) {
    expect(typeof line.level).toBe('string');
    expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    expect(typeof line.msg).toBe('string');
  }
  expect(all.some((line) => line.msg.includes('Nest application successfully started'))).toBe(true);
});

test('a request id is answered, logged with the request line, and a caller id is kept only when well-formed', () => {
  expect(requestIds[0]).toBe('gateway-id-42');
  expect(requestIds[1]).toMatch(/^[0-9a-f-]{36}$/);
  const requestLines = lines().filter((line) => line.msg === 'request');
  expect(requestLines.find((line) => line.reqId === 'gateway-id-42')).toMatchObject({ method: 'POST', route: '/rest-sts/*', status: 200 });
  expect(requestLines.find((line) => line.reqId === requestIds[2])).toMatchObject({ status: 401 });
  // The route template, never the raw URL with its query string.
  expect(requestLines.some((line) => JSON.stringify(line).includes('_action='))).toBe(false);
});

test('an audit line for each issue, validate, cancel, introspect, revoke and failed authentication', () => {
  const trail = audits();
  const hash = (token: string) => require('node:crypto').createHash('sha256').update(token).digest('base64url');
  expect(trail).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'issue', outcome: 'success', instance: '/default', input_type: 'USERNAME', output_type: 'OPENIDCONNECT', principal: 'alice', token_hash: hash(issued[0]), request_id: 'gateway-id-42' }),
      expect.objectContaining({ action: 'issue', outcome: 'failure', instance: '/default', input_type: 'USERNAME', error: 'invalid_credentials', request_id: requestIds[2] }),
      expect.objectContaining({ action: 'validate', outcome: 'success', principal: 'alice', token_hash: hash(issued[0]), request_id: requestIds[3] }),
      expect.objectContaining({ action: 'cancel', outcome: 'success', token_hash: hash(issued[0]) }),
      expect.objectContaining({ action: 'introspect', outcome: 'success', client_id: 'rp-client', principal: 'alice', token_hash: hash(issued[1]) }),
      expect.objectContaining({ action: 'revoke', outcome: 'success', client_id: 'rp-client', token_hash: hash(issued[1]) }),
      expect.objectContaining({ action: 'authenticate', outcome: 'failure', credential: 'client', instance: '/default', error: 'invalid_client' }),
      expect.objectContaining({ action: 'authenticate', outcome: 'failure', credential: 'admin', error: 'admin_unauthorized' }),
    ]),
  );
  expect(trail.filter((event) => event.action === 'issue')).toHaveLength(3);
});

test('no password, secret, token or key material anywhere in the output', () => {
  const output = server.output.stdout + server.output.stderr;
  const keyMaterial = readdirSync(join(dataDir, 'keys'))
    .filter((file) => file.endsWith('.pem') || file.endsWith('.secret'))
    .flatMap((file) => readFileSync(join(dataDir, 'keys', file), 'utf8').split('\n'))
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
  expect(keyMaterial.length).toBeGreaterThan(0);
  const secrets = [DEMO_PASSWORD, WRONG_PASSWORD, CLIENT_SECRET, WRONG_SECRET, ADMIN_TOKEN, 'not-the-admin-token-either', ...issued, ...issued.map((token) => token.split('.')[2]), ...keyMaterial];
  expect(secrets.filter((secret) => output.includes(secret))).toEqual([]);
});
