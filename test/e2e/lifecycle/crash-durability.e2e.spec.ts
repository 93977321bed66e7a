/**
 * The process is killed (SIGKILL, no shutdown hook) right after translate answered 200: after a
 * restart on the same data directory, the SQLite store still knows the token. Runs the built
 * server, with the example plugin, so a plugin type's tokens are covered too.
 */
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_PASSWORD, oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { killAll, REPO, startSpawnedServer, within, type SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

describe('a persisted token survives the process being killed right after the 200', () => {
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const realm = await rootRealm();
    Object.assign(realm.instances as object, {
      durable: oidcInstance('ES256', 'ec-1', {
        supported_token_transforms: [
          { from: 'USERNAME', to: 'OPENIDCONNECT' },
          { from: 'USERNAME', to: 'CUSTOM' },
        ],
        custom_token_providers: { CUSTOM: 'example-custom' },
        persist_issued_tokens: true,
      }),
    });
    const dir = await writeConfigDir({ root: realm });
    root = dir.root;
    await cp(join(REPO, 'plugins', 'example-custom'), join(root, 'plugins', 'example-custom'), { recursive: true });
    env = { STS_CONFIG_DIR: dir.configDir, STS_DATA_DIR: dir.dataDir, STS_PLUGINS_DIR: join(root, 'plugins'), STS_WATCH_CONFIG: 'false' };
  });

  afterAll(async () => {
    killAll();
    await rm(root, { recursive: true, force: true });
  });

  async function killedAfterIssuing(server: SpawnedServer, outputType: string): Promise<string> {
    const res = await server.post('/rest-sts/durable?_action=translate', {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: outputType },
    });
    expect(res.status).toBe(200);
    server.child.kill('SIGKILL');
    expect((await within(server.exited, 10_000, 'exit after SIGKILL')).signal).toBe('SIGKILL');
    return res.body.issued_token;
  }

  it('still validates an ID token and a plugin token after the restart, and a cancel sticks across another kill', async () => {
    const first = await startSpawnedServer(root, env);
    const idToken = await killedAfterIssuing(first, 'OPENIDCONNECT');
    const second = await startSpawnedServer(root, env);
    const customToken = await killedAfterIssuing(second, 'CUSTOM');

    const third = await startSpawnedServer(root, env);
    const validate = (state: object) => third.post('/rest-sts/durable?_action=validate', { validated_token_state: state });
    expect((await validate({ token_type: 'OPENIDCONNECT', oidc_id_token: idToken })).body).toEqual({ token_valid: true, principal: 'alice' });
    expect((await validate({ token_type: 'CUSTOM', custom_token: customToken })).body).toEqual({ token_valid: true, principal: 'alice' });

    const cancelled = await third.post('/rest-sts/durable?_action=cancel', { cancelled_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: idToken } });
    expect(cancelled.status).toBe(200);
    third.child.kill('SIGKILL');
    await within(third.exited, 10_000, 'exit after SIGKILL');

    const fourth = await startSpawnedServer(root, env);
    const after = await fourth.post('/rest-sts/durable?_action=validate', { validated_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: idToken } });
    expect(after.body).toEqual({ token_valid: false });
    await fourth.stop();
  });
});
