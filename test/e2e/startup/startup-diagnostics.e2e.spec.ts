/**
 * What the BUILT server and `rest-sts check-config` print about a configuration, as an operator
 * sees it: instances bound to plugins that are not loaded (a warning, or an error with
 * STS_REQUIRE_PLUGINS=true), YAML syntax errors as file:line:column, the 503 for such a plugin
 * logged as a warning without a stack, and no Fastify deprecation warning on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oidcInstance, rootRealm } from '../../support/realm-fixtures';
import { killAll, REPO, spawnMain, startSpawnedServer, within } from '../../support/spawned-server';
import { writeConfigDir } from '../../support/test-server';

const CLI = join(REPO, 'dist', 'cli', 'rest-sts.js');
const DIRS = { STS_CONFIG_DIR: 'config', STS_DATA_DIR: 'data', STS_PLUGINS_DIR: 'plugins', STS_WATCH_CONFIG: 'false', STS_WATCH_PLUGINS: 'false' };
const BAD_INDENT = 'realm: /\ninstances:\n  default:\n    supported_token_transforms: []\n   oidc: {}\n';

const MISSING = 'config/realms/root.yaml: instances.custom.custom_token_validators.CUSTOM: plugin "not-installed" (the CUSTOM validator of instance /custom) is not loaded: there is no folder plugins/not-installed (STS_PLUGINS_DIR)';
const BROKEN = 'config/realms/root.yaml: instances.broken.custom_token_validators.BROKEN: plugin "broken-syntax" (the BROKEN validator of instance /broken) is not loaded: plugins/broken-syntax failed to load: index.js failed to load: ';
const WARNED = (type: string, path: string) => `; ${type} requests to ${path} answer 503 plugin_unavailable until it loads (STS_REQUIRE_PLUGINS=true refuses this)`;
const REFUSED = '; STS_REQUIRE_PLUGINS=true refuses a configuration bound to a plugin that is not loaded';

const roots: string[] = [];
afterEach(killAll);
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

/** A configuration with one instance bound to a plugin no folder provides and one bound to a folder that fails to load. */
async function unboundPlugins(): Promise<string> {
  const bound = (type: string, plugin: string) => ({
    ...oidcInstance('RS256', 'rsa-1'),
    supported_token_transforms: [{ from: type, to: 'OPENIDCONNECT' }],
    custom_token_validators: { [type]: plugin },
  });
  const realm = await rootRealm();
  const dir = await writeConfigDir({ root: { ...realm, instances: { ...(realm.instances as object), custom: bound('CUSTOM', 'not-installed'), broken: bound('BROKEN', 'broken-syntax') } } });
  roots.push(dir.root);
  await mkdir(join(dir.root, 'plugins', 'broken-syntax'), { recursive: true });
  await writeFile(join(dir.root, 'plugins', 'broken-syntax', 'index.js'), 'module.exports = {{ not javascript');
  return dir.root;
}

async function yamlError(): Promise<string> {
  const dir = await writeConfigDir({ root: BAD_INDENT });
  roots.push(dir.root);
  return dir.root;
}

function logLines(stdout: string): { level: string; context?: string; msg: string; stack?: string }[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...DIRS, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

describe('the built server at start-up', () => {
  it('warns about each instance bound to a plugin that is not loaded, answers its requests 503 logged as a warning, and prints no deprecation', async () => {
    const root = await unboundPlugins();
    const server = await startSpawnedServer(root, DIRS);
    try {
      const res = await server.post('/rest-sts/custom?_action=translate', {
        input_token_state: { token_type: 'CUSTOM', ticket: 't' },
        output_token_state: { token_type: 'OPENIDCONNECT' },
      });
      expect([res.status, res.body.error]).toEqual([503, 'plugin_unavailable']);
    } finally {
      await server.stop();
    }

    const lines = logLines(server.output.stdout);
    const warnings = lines.filter((line) => line.context === 'Realms' && line.level === 'warn').map((line) => line.msg);
    expect(warnings).toHaveLength(2);
    expect(warnings).toContain(`Configuration warning: ${MISSING}${WARNED('CUSTOM', '/custom')}`);
    expect(warnings.find((msg) => msg.startsWith(`Configuration warning: ${BROKEN}`))).toMatch(/Unexpected token|Unexpected identifier|SyntaxError/);
    expect(warnings.find((msg) => msg.startsWith(`Configuration warning: ${BROKEN}`))).toContain(WARNED('BROKEN', '/broken'));

    const refused = lines.filter((line) => line.context === 'Errors');
    expect(refused).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(/^POST \/rest-sts\/custom\?_action=translate -> 503 plugin_unavailable \(request [^)]+\): The plugin "not-installed" /),
      }),
    ]);
    expect(refused[0].stack).toBeUndefined();

    // Fastify's FSTDEP023 (disableRequestLogging) would land here, as would any other process warning: `(node:<pid>) [CODE] ...`.
    expect(server.output.stderr).not.toContain('FSTDEP');
    expect(server.output.stderr).not.toMatch(/\(node:\d+\) /);
    // Request logging is still ours alone: no Fastify "incoming request" lines.
    expect(lines.filter((line) => line.msg === 'incoming request' || line.msg === 'request completed')).toEqual([]);
  });

  it('refuses to start with STS_REQUIRE_PLUGINS=true, naming instance, type, plugin and folder', async () => {
    const root = await unboundPlugins();
    const server = spawnMain(root, { ...DIRS, PORT: '0', STS_REQUIRE_PLUGINS: 'true' });
    const { code } = await within(server.exited, 20_000, 'exit');
    expect(code).toBe(1);
    const [heading, ...problems] = server.output.stderr.trimEnd().split('\n');
    expect(heading).toBe('Configuration error; the server did not start:');
    expect(problems).toHaveLength(2);
    expect(problems).toContain(`${MISSING}${REFUSED}`);
    expect(problems.find((line) => line.startsWith(BROKEN))?.endsWith(REFUSED)).toBe(true);
  });

  it('prints a YAML syntax error once, as file:line:column', async () => {
    const server = spawnMain(await yamlError(), { ...DIRS, PORT: '0' });
    const { code } = await within(server.exited, 20_000, 'exit');
    expect(code).toBe(1);
    expect(server.output.stderr).toBe(
      'Configuration error; the server did not start:\nconfig/realms/root.yaml:5:1: YAML syntax error: All mapping items must start at the same column\n',
    );
  });
});

describe('rest-sts check-config', () => {
  it('prints the plugin warnings on stderr and still exits 0', async () => {
    const root = await unboundPlugins();
    const result = await runCli(root, ['check-config']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^configuration OK: 1 realm\(s\) \(\/\), 5 instance\(s\) /);
    const warnings = result.stderr.trimEnd().split('\n');
    expect(warnings).toContain(`rest-sts check-config: warning: ${MISSING}${WARNED('CUSTOM', '/custom')}`);
    expect(warnings.filter((line) => line.startsWith(`rest-sts check-config: warning: ${BROKEN}`))).toHaveLength(1);
    expect(warnings.filter((line) => /^rest-sts check-config: warning: plugin .*broken-syntax failed to load: /.test(line))).toHaveLength(1);
    expect(warnings).toHaveLength(3);
  });

  it('makes them errors with STS_REQUIRE_PLUGINS=true (exit 1), and refuses a value that is not true or false', async () => {
    const root = await unboundPlugins();
    const result = await runCli(root, ['check-config'], { STS_REQUIRE_PLUGINS: 'true' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [heading, ...problems] = result.stderr.trimEnd().split('\n');
    expect(heading).toBe('rest-sts check-config: configuration error; the server would not start:');
    expect(problems).toContain(`${MISSING}${REFUSED}`);
    expect(problems).toHaveLength(2);

    const typo = await runCli(root, ['check-config'], { STS_REQUIRE_PLUGINS: 'yes' });
    expect([typo.code, typo.stderr]).toEqual([1, 'rest-sts check-config: STS_REQUIRE_PLUGINS=yes is not true or false\n']);
  });

  it('prints a YAML syntax error as file:line:column, like the server', async () => {
    const result = await runCli(await yamlError(), ['check-config']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'rest-sts check-config: configuration error; the server would not start:\nconfig/realms/root.yaml:5:1: YAML syntax error: All mapping items must start at the same column\n',
    );
  });
});
