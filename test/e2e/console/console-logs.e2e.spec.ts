/**
 * The console as an operator runs it (the built server, its JSON log on stdout): a failed and a
 * good sign-in and a playground run are audited, and neither the admin token, the wrong token,
 * the password nor the issued token appears anywhere in the output.
 */
import { join } from 'node:path';
import { DEMO_PASSWORD, rootRealm } from '../../support/realm-fixtures';
import { killAll, startSpawnedServer, type SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';
import { CONSOLE_ADMIN_TOKEN, ConsoleClient } from './console-client';

const WRONG_TOKEN = 'wrong-admin-token-never-logged';

let server: SpawnedServer;
let issuedClaims: Record<string, unknown>;

beforeAll(async () => {
  const dir = await writeConfigDir({ root: await rootRealm() });
  server = await startSpawnedServer(dir.root, { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: join(dir.root, 'plugins'), STS_ADMIN_TOKEN: CONSOLE_ADMIN_TOKEN });
  const client = new ConsoleClient(server.baseUrl);
  expect((await client.signIn(WRONG_TOKEN)).status).toBe(401);
  expect((await client.signIn()).status).toBe(200);
  const run = await client.send('POST', '/console/api/playground', {
    instance: '/default',
    input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
    output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n-1' },
  });
  expect(run.body.status).toBe(200);
  issuedClaims = run.body.token.claims;
  expect((await client.send('DELETE', '/console/api/session')).status).toBe(204);
  await server.stop();
}, 60_000);
afterAll(() => killAll());

const audits = () =>
  server.output.stdout
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const record = JSON.parse(line) as { audit?: Record<string, unknown> };
      return record.audit ? [record.audit] : [];
    });

test('the failed and the good sign-in, and the playground run, are in the audit trail', () => {
  expect(audits()).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'authenticate', outcome: 'failure', credential: 'admin', error: 'admin_unauthorized', remote_address: '127.0.0.1' }),
      expect.objectContaining({ action: 'authenticate', outcome: 'success', credential: 'admin', remote_address: '127.0.0.1' }),
      expect.objectContaining({ action: 'issue', outcome: 'success', instance: '/default', input_type: 'USERNAME', output_type: 'OPENIDCONNECT', principal: 'alice', remote_address: '127.0.0.1' }),
    ]),
  );
});

test('no secret of the run is written to the log', () => {
  const output = server.output.stdout + server.output.stderr;
  for (const secret of [CONSOLE_ADMIN_TOKEN, WRONG_TOKEN, DEMO_PASSWORD, String(issuedClaims.jti)]) expect(output).not.toContain(secret);
});
