/**
 * SIGTERM on the BUILT server (`npm run build` first): a request in flight finishes with 200, a
 * new connection is refused meanwhile, idle keep-alive connections do not hold the exit, the
 * process exits 0, and tokens recorded just before are still valid after a restart (SQLite).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { rootRealm } from '../../support/realm-fixtures';
import { killAll, startSpawnedServer, within } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

/** A plugin whose validator waits `delay_ms` (saying so on stdout) before accepting. */
const SLOW_PLUGIN = `module.exports = (sts) => ({
  name: 'slow',
  contractVersion: sts.STS_CONTRACT_VERSION,
  validators: {
    SLOW: class {
      async validateToken({ inputTokenState }) {
        if (inputTokenState.delay_ms) {
          process.stdout.write('slow request started\\n');
          await new Promise((resolve) => setTimeout(resolve, inputTokenState.delay_ms));
        }
        return { principal: String(inputTokenState.subject) };
      }
    },
  },
  providers: {
    SLOW: class {
      createToken({ principal }) {
        return { token: 'slow.' + principal + '.' + Math.random().toString(36).slice(2), expiresAt: new Date(Date.now() + 600000) };
      }
    },
  },
});
`;

const DELAY_MS = 2000;

/** POST on a connection of its own (agent: false), so it cannot ride on a pooled one. */
function post(baseUrl: string, path: string, body: object): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const text = JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request(
      baseUrl + path,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        let answer = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: answer ? JSON.parse(answer) : undefined }));
      },
    );
    req.on('error', fail).end(text);
  });
}

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('graceful shutdown on SIGTERM', () => {
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const realm = await rootRealm();
    Object.assign(realm.instances as object, {
      slow: {
        supported_token_transforms: [{ from: 'SLOW', to: 'SLOW' }],
        custom_token_validators: { SLOW: 'slow' },
        custom_token_providers: { SLOW: 'slow' },
        persist_issued_tokens: true,
      },
    });
    const dir = await writeConfigDir({ root: realm });
    root = dir.root;
    await mkdir(join(root, 'plugins', 'slow'), { recursive: true });
    await writeFile(join(root, 'plugins', 'slow', 'index.js'), SLOW_PLUGIN);
    env = {
      STS_CONFIG_DIR: dir.configDir,
      STS_DATA_DIR: dir.dataDir,
      STS_PLUGINS_DIR: join(root, 'plugins'),
      STS_SHUTDOWN_TIMEOUT_MS: '8000',
    };
  });

  afterAll(async () => {
    killAll();
    await rm(root, { recursive: true, force: true });
  });

  it('finishes the request in flight, refuses new connections, exits 0, and its tokens survive the restart', async () => {
    const server = await startSpawnedServer(root, env);
    const translate = (state: object) =>
      post(server.baseUrl, '/rest-sts/slow?_action=translate', { input_token_state: { token_type: 'SLOW', ...state }, output_token_state: { token_type: 'SLOW' } });

    // Leaves an idle keep-alive connection in fetch's pool: it must not hold the exit open.
    const quick = await server.post('/rest-sts/slow?_action=translate', {
      input_token_state: { token_type: 'SLOW', subject: 'quick' },
      output_token_state: { token_type: 'SLOW' },
    });
    expect(quick.status).toBe(200);

    let slowSettled = false;
    const slow = translate({ subject: 'slow', delay_ms: DELAY_MS }).finally(() => (slowSettled = true));
    await until('the slow request reaching the validator', () => server.output.stdout.includes('slow request started'));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');

    // New connections are refused while the slow request is still being served.
    await until('a new connection being refused', () =>
      fetch(`${server.baseUrl}/health/live`).then(
        () => false,
        (error: { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED',
      ),
    );
    expect(slowSettled).toBe(false);

    const slowAnswer = await slow;
    expect(slowAnswer.status).toBe(200);
    expect(slowAnswer.body.issued_token).toMatch(/^slow\.slow\./);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DELAY_MS - 500);

    const exit = await within(server.exited, 3000, 'exit soon after the last request');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.output.stdout).toContain('SIGTERM: finishing requests in flight');

    const restarted = await startSpawnedServer(root, env);
    try {
      const validate = (token: string) => restarted.post('/rest-sts/slow?_action=validate', { validated_token_state: { token_type: 'SLOW', token } });
      expect((await validate(quick.body.issued_token)).body).toEqual({ token_valid: true, principal: 'quick' });
      expect((await validate(slowAnswer.body.issued_token)).body).toEqual({ token_valid: true, principal: 'slow' });
      expect((await validate('slow.never-issued')).body).toEqual({ token_valid: false });
    } finally {
      await restarted.stop();
    }
  }, 60_000);

  it('with STS_WORKERS=2, each worker drains the same way: the request in flight finishes and all exit 0', async () => {
    const server = await startSpawnedServer(root, { ...env, STS_WORKERS: '2' });
    // The second worker starts after the first listens; give it time to listen too.
    await until('both workers started', () => (server.output.stdout.match(/Serving \d+ STS instance/g) ?? []).length === 2);
    await new Promise((r) => setTimeout(r, 500));
    const slow = post(server.baseUrl, '/rest-sts/slow?_action=translate', {
      input_token_state: { token_type: 'SLOW', subject: 'clustered', delay_ms: DELAY_MS },
      output_token_state: { token_type: 'SLOW' },
    });
    await until('the slow request reaching the validator', () => server.output.stdout.includes('slow request started'));
    server.child.kill('SIGTERM'); // the primary passes it on to every worker
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.issued_token).toMatch(/^slow\.clustered\./);
    expect(await within(server.exited, 5000, 'exit after the workers drained')).toEqual({ code: 0, signal: null });
    expect(server.output.stdout.match(/SIGTERM: finishing requests in flight/g)).toHaveLength(2);
    expect(server.output.stdout).not.toContain('exited with');
  }, 60_000);

  it('cuts off a request still running after STS_SHUTDOWN_TIMEOUT_MS and exits 1', async () => {
    const server = await startSpawnedServer(root, { ...env, STS_SHUTDOWN_TIMEOUT_MS: '500' });
    const slow = post(server.baseUrl, '/rest-sts/slow?_action=translate', {
      input_token_state: { token_type: 'SLOW', subject: 'late', delay_ms: 5000 },
      output_token_state: { token_type: 'SLOW' },
    }).then(
      () => 'answered',
      () => 'cut off',
    );
    await until('the slow request reaching the validator', () => server.output.stdout.includes('slow request started'));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await within(server.exited, 4000, 'exit after the shutdown timeout')).toEqual({ code: 1, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    expect(await slow).toBe('cut off');
    expect(server.output.stdout).toContain('requests still running after 500 ms');
  }, 30_000);
});
