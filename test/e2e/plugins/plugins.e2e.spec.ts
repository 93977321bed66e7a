/**
 * Plugins dropped into plugins/, loaded by the built server (a real Node process, so CommonJS and
 * ESM plugins go through Node's own loader): the example CUSTOM plugin end to end, concurrency,
 * broken plugins, faults and timeouts, and hot reload without a restart.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { DEMO_PASSWORD, rootRealm } from '../../support/realm-fixtures';
import { killAll, REPO, startSpawnedServer, SpawnedServer } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

/** Long enough for the in-flight request in the hot-reload test to outlive a plugin swap. */
const TIMEOUT_MS = 2500;
const CONTRACT = "require('node:assert'); const CONTRACT = '1.0';";

/** A CommonJS plugin whose validator for `type` names the principal `${label}:${who}`. */
function labelledPlugin(name: string, type: string, label: string): string {
  return `${CONTRACT}
module.exports = {
  name: '${name}',
  contractVersion: CONTRACT,
  validators: {
    ${type}: {
      async validateToken({ inputTokenState }) {
        if (inputTokenState.delay_ms) await new Promise((r) => setTimeout(r, inputTokenState.delay_ms));
        return { principal: '${label}:' + inputTokenState.who };
      },
    },
  },
};`;
}

const PLUGINS: Record<string, Record<string, string>> = {
  'esm-plugin': {
    'package.json': JSON.stringify({ name: 'esm-plugin', type: 'module', main: 'main.js' }),
    'main.js': `import { prefix } from './prefix.js';
export default (sts) => ({
  name: 'esm-plugin',
  contractVersion: sts.STS_CONTRACT_VERSION,
  validators: { ESM: { validateToken: ({ inputTokenState }) => ({ principal: prefix + inputTokenState.who }) } },
});`,
    'prefix.js': `export const prefix = 'esm:';`,
  },
  faulty: {
    'index.js': `module.exports = (sts) => ({
  name: 'faulty',
  contractVersion: sts.STS_CONTRACT_VERSION,
  validators: {
    FAULTY: {
      validateToken({ inputTokenState }) {
        switch (inputTokenState.mode) {
          case 'throw': throw new Error('secret-internals at /srv/plugins/faulty/index.js:7');
          case 'hang': return new Promise(() => {});
          case 'reject-later':
            setTimeout(() => Promise.reject(new Error('a stray rejection')), 10);
            return { principal: 'faulty:late' };
          case 'refuse': throw new sts.InvalidTokenError('Refused by the plugin.', { code: 'faulty_refused' });
          default: return { principal: 'faulty:ok' };
        }
      },
    },
  },
});`,
  },
  versioned: { 'index.js': labelledPlugin('versioned', 'VERSIONED', 'v1') },
  'broken-syntax': { 'index.js': 'module.exports = {{ not javascript' },
  'wrong-contract': { 'index.js': "module.exports = { name: 'wrong-contract', contractVersion: '2.0', validators: { BROKEN: { validateToken() {} } } };" },
};

/** An instance that validates `type` with plugin `plugin` and issues CUSTOM via example-custom. */
function pluginInstance(type: string, plugin: string): object {
  return {
    supported_token_transforms: [{ from: type, to: 'CUSTOM' }],
    custom_token_validators: { [type]: plugin },
    custom_token_providers: { CUSTOM: 'example-custom' },
  };
}

function decodeCustom(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
}

describe('plugins in plugins/', () => {
  let server: SpawnedServer;
  let root: string;
  let pluginsDir: string;

  beforeAll(async () => {
    const realm = await rootRealm();
    Object.assign(realm.instances as object, {
      custom: {
        supported_token_transforms: [
          { from: 'CUSTOM', to: 'OPENIDCONNECT' },
          { from: 'USERNAME', to: 'CUSTOM' },
          { from: 'CUSTOM', to: 'CUSTOM' },
        ],
        custom_token_validators: { CUSTOM: 'example-custom' },
        custom_token_providers: { CUSTOM: 'example-custom' },
        oidc: { issuer: 'https://sts.test', audience: ['rp'], signature_algorithm: 'ES256', signing_key: 'ec-1', claim_map: { extra_stuff: 'extra_stuff' } },
      },
      esm: pluginInstance('ESM', 'esm-plugin'),
      faulty: pluginInstance('FAULTY', 'faulty'),
      versioned: pluginInstance('VERSIONED', 'versioned'),
      broken: pluginInstance('BROKEN', 'broken-syntax'),
      contract: pluginInstance('BROKEN', 'wrong-contract'),
      absent: pluginInstance('ABSENT', 'not-installed'),
    });
    const dir = await writeConfigDir({ root: realm });
    root = dir.root;
    pluginsDir = join(root, 'plugins');
    await cp(join(REPO, 'plugins', 'example-custom'), join(pluginsDir, 'example-custom'), { recursive: true });
    for (const [name, files] of Object.entries(PLUGINS)) await writePlugin(name, files);
    server = await startSpawnedServer(root, {
      STS_CONFIG_DIR: dir.configDir,
      STS_DATA_DIR: dir.dataDir,
      STS_PLUGINS_DIR: pluginsDir,
      STS_TOKEN_TIMEOUT_MS: String(TIMEOUT_MS),
    });
  });

  afterAll(async () => {
    await server?.stop().catch(killAll);
    await rm(root, { recursive: true, force: true });
  });

  async function writePlugin(name: string, files: Record<string, string>): Promise<void> {
    await mkdir(join(pluginsDir, name), { recursive: true });
    for (const [file, content] of Object.entries(files)) await writeFile(join(pluginsDir, name, file), content);
  }

  const translate = (instance: string, input: object, output: object = { token_type: 'CUSTOM' }) =>
    server.post(`/rest-sts/${instance}?_action=translate`, { input_token_state: input, output_token_state: output });

  async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.output.stdout}${server.output.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  describe('the example CUSTOM plugin (the PingAM payloads)', () => {
    it('CUSTOM -> OPENIDCONNECT: the validator receives the whole input_token_state', async () => {
      const res = await translate('custom', { token_type: 'CUSTOM', extra_stuff: 'very_useful_state' }, { token_type: 'OPENIDCONNECT', nonce: '1234', allow_access: true });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.issued_token)).toMatchObject({ sub: 'custom:very_useful_state', nonce: '1234', extra_stuff: 'very_useful_state', amr: ['custom'] });
    });

    it('USERNAME -> CUSTOM: the token provider receives principal, input type and output state, and no password', async () => {
      const res = await translate(
        'custom',
        { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
        { token_type: 'CUSTOM', extra_stuff_for_custom: 'some_useful_information' },
      );
      expect(res.status).toBe(200);
      const token = decodeCustom(res.body.issued_token);
      expect(token).toEqual({
        principal: 'alice',
        input_token_type: 'USERNAME',
        additional_state: null,
        extra_stuff_for_custom: 'some_useful_information',
        issued_at: expect.any(String),
        expires_at: expect.any(String),
      });
      // The example's tokens are good for 10 minutes, and say so.
      expect(Date.parse(token.expires_at as string) - Date.parse(token.issued_at as string)).toBe(600_000);
      expect(Buffer.from(res.body.issued_token, 'base64').toString()).not.toContain(DEMO_PASSWORD);
    });

    it('CUSTOM -> CUSTOM: additional state from the validator reaches the token provider', async () => {
      const res = await translate('custom', { token_type: 'CUSTOM', extra_stuff: 'very_useful_state' }, { token_type: 'CUSTOM', extra_stuff_for_custom: 'x' });
      expect(res.status).toBe(200);
      expect(decodeCustom(res.body.issued_token)).toMatchObject({
        principal: 'custom:very_useful_state',
        input_token_type: 'CUSTOM',
        additional_state: { validated_extra_stuff: 'very_useful_state' },
      });
    });

    it('passes the plugin’s own refusals through with their status and code', async () => {
      const missing = await translate('custom', { token_type: 'CUSTOM' });
      expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
      const revoked = await translate('custom', { token_type: 'CUSTOM', extra_stuff: 'revoked' });
      expect([revoked.status, revoked.body.error]).toEqual([401, 'custom_token_revoked']);
    });

    it('serves many concurrent requests with one validator and one token provider instance, never mixing answers', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `caller-${i}-${Math.random().toString(36).slice(2)}`);
      const responses = await Promise.all(ids.map((id) => translate('custom', { token_type: 'CUSTOM', extra_stuff: id }, { token_type: 'CUSTOM', extra_stuff_for_custom: id })));
      responses.forEach((res, i) => {
        expect(res.status).toBe(200);
        expect(decodeCustom(res.body.issued_token)).toMatchObject({ principal: `custom:${ids[i]}`, extra_stuff_for_custom: ids[i] });
      });
    });
  });

  it('loads an ESM plugin whose main module imports a sibling module', async () => {
    const res = await translate('esm', { token_type: 'ESM', who: 'eve' });
    expect(res.status).toBe(200);
    expect(decodeCustom(res.body.issued_token).principal).toBe('esm:eve');
  });

  describe('broken and missing plugins', () => {
    it.each([
      ['broken', 'BROKEN', 'broken-syntax', /broken-syntax failed to load: index\.js failed to load/],
      ['contract', 'BROKEN', 'wrong-contract', /wrong-contract failed to load: built for contract 2\.0/],
    ])('instance %s answers 503 plugin_unavailable and the log names the folder and reason', async (instance, type, _plugin, logLine) => {
      const res = await translate(instance, { token_type: type });
      expect([res.status, res.body.error]).toEqual([503, 'plugin_unavailable']);
      expect(server.output.stdout + server.output.stderr).toMatch(logLine);
    });

    it('an instance bound to a plugin that is not installed answers 503, and other instances keep working', async () => {
      const res = await translate('absent', { token_type: 'ABSENT' });
      expect([res.status, res.body.error]).toEqual([503, 'plugin_unavailable']);
      expect((await translate('custom', { token_type: 'CUSTOM', extra_stuff: 'still-fine' })).status).toBe(200);
    });
  });

  describe('isolation', () => {
    it('a plugin that throws gives a 500 with a stable code and nothing of its internals', async () => {
      const res = await translate('faulty', { token_type: 'FAULTY', mode: 'throw' });
      expect([res.status, res.body.error]).toEqual([500, 'token_validation_failed']);
      expect(JSON.stringify(res.body)).not.toMatch(/secret-internals|\/srv\/|index\.js/);
    });

    it('a plugin that never answers gives a 504 after the timeout while other requests are served', async () => {
      const hanging = translate('faulty', { token_type: 'FAULTY', mode: 'hang' });
      const others = await Promise.all(Array.from({ length: 5 }, (_, i) => translate('custom', { token_type: 'CUSTOM', extra_stuff: `meanwhile-${i}` })));
      expect(others.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const res = await hanging;
      expect([res.status, res.body.error]).toEqual([504, 'token_processing_timeout']);
    });

    it('a stray rejection a plugin leaves behind does not take the server down', async () => {
      expect((await translate('faulty', { token_type: 'FAULTY', mode: 'reject-later' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      expect((await translate('faulty', { token_type: 'FAULTY', mode: 'ok' })).status).toBe(200);
      expect(server.output.stderr).toContain('a stray rejection');
    });

    it('a plugin’s own InvalidTokenError keeps its status and code', async () => {
      const res = await translate('faulty', { token_type: 'FAULTY', mode: 'refuse' });
      expect([res.status, res.body.error, res.body.message]).toEqual([401, 'faulty_refused', 'Refused by the plugin.']);
    });
  });

  describe('hot reload without a restart', () => {
    const principalOf = async (who: string, delay_ms = 0): Promise<string | number> => {
      const res = await translate('versioned', { token_type: 'VERSIONED', who, delay_ms });
      return res.status === 200 ? (decodeCustom(res.body.issued_token).principal as string) : res.status;
    };

    it('replaces a plugin; a request in flight finishes on the version it started with', async () => {
      expect(await principalOf('a')).toBe('v1:a');
      let settled = false;
      const inFlight = principalOf('slow', 2000).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 100));
      await writePlugin('versioned', { 'index.js': labelledPlugin('versioned', 'VERSIONED', 'v2') });
      await eventually('v2 to serve', async () => ((await principalOf('b')) === 'v2:b' ? true : undefined));
      expect(settled).toBe(false); // the swap happened while the slow request was running
      expect(await inFlight).toBe('v1:slow');
    });

    it('keeps the previous version when a replacement fails to load, and logs why', async () => {
      await writePlugin('versioned', { 'index.js': 'module.exports = { name: "versioned" };' });
      await eventually('the failed load to be logged', async () =>
        /versioned failed to load: .*keeping version/.test(server.output.stderr + server.output.stdout) ? true : undefined,
      );
      expect(await principalOf('c')).toBe('v2:c');
    });

    it('removing the folder makes its instances answer 503; adding it back serves again', async () => {
      await rm(join(pluginsDir, 'versioned'), { recursive: true });
      await eventually('the removal', async () => ((await principalOf('d')) === 503 ? true : undefined));
      await writePlugin('versioned', { 'index.js': labelledPlugin('versioned', 'VERSIONED', 'v3') });
      await eventually('v3 to serve', async () => ((await principalOf('e')) === 'v3:e' ? true : undefined));
    });

    it('a plugin added after start-up is picked up for an instance that already names it', async () => {
      expect((await translate('absent', { token_type: 'ABSENT', who: 'z' })).status).toBe(503);
      await writePlugin('not-installed', { 'index.js': labelledPlugin('not-installed', 'ABSENT', 'late') });
      await eventually('the new plugin', async () => {
        const res = await translate('absent', { token_type: 'ABSENT', who: 'z' });
        return res.status === 200 ? decodeCustom(res.body.issued_token).principal : undefined;
      }).then((principal) => expect(principal).toBe('late:z'));
    });
  });
});
