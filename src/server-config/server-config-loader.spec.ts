import 'reflect-metadata';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../realms/config-problem';
import type { ServerConfig } from './server-config';
import { loadServerConfig } from './server-config-loader';

let root: string;
let configDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sts-server-config-'));
  configDir = join(root, 'config');
  await mkdir(configDir);
  // Messages show paths relative to the working directory: pretend to run from `root`.
  jest.spyOn(process, 'cwd').mockReturnValue(root);
});

afterEach(async () => {
  jest.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

const DEFAULTS: ServerConfig = {
  file: 'config/server.yaml',
  publicBaseUrl: 'http://127.0.0.1:8080',
  publicBaseUrlConfigured: false,
  verifiedTokenCacheMaxEntries: 10_000,
  tokenStore: {
    defaultTokenLifetimeSeconds: 3600,
    purgeIntervalSeconds: 60,
    backend: { type: 'sqlite', file: 'tokens.sqlite' },
  },
};

async function writeServerYaml(content: object | string): Promise<void> {
  await writeFile(join(configDir, 'server.yaml'), typeof content === 'string' ? content : stringify(content));
}

async function load(content: object | string, env: NodeJS.ProcessEnv = {}): Promise<ServerConfig> {
  await writeServerYaml(content);
  return loadServerConfig(configDir, env);
}

/** The ConfigError `content` is refused with; also checks the printed form names file and key path. */
async function refusal(content: object | string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  await writeServerYaml(content);
  let caught: unknown;
  try {
    loadServerConfig(configDir, env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  for (const problem of error.problems) {
    expect(problem.file).toBe('config/server.yaml');
    const where = problem.line === undefined ? 'config/server.yaml' : `config/server.yaml:${problem.line}:${problem.column}`;
    expect(error.message).toContain(problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`);
  }
  return error;
}

function problemsOf(error: ConfigError): { path: string; message: string }[] {
  return error.problems.map(({ path, message }) => ({ path, message }));
}

describe('loadServerConfig', () => {
  it('answers the defaults when server.yaml is absent', () => {
    expect(loadServerConfig(configDir, {})).toEqual(DEFAULTS);
  });

  it('answers the defaults for an empty file, an empty section, or keys without values', async () => {
    expect(await load('')).toEqual(DEFAULTS);
    expect(await load('# only a comment\n')).toEqual(DEFAULTS);
    expect(await load({ token_store: {} })).toEqual(DEFAULTS);
    expect(await load('token_store:\n  sqlite:\n  purge_interval_seconds:\n')).toEqual(DEFAULTS);
  });

  it('reads every key of a SQLite store', async () => {
    const config = await load({
      token_store: {
        type: 'sqlite',
        default_token_lifetime_seconds: 900,
        purge_interval_seconds: 5,
        sqlite: { file: '/var/lib/sts/tokens.db' },
      },
    });
    expect(config.tokenStore).toEqual({
      defaultTokenLifetimeSeconds: 900,
      purgeIntervalSeconds: 5,
      backend: { type: 'sqlite', file: '/var/lib/sts/tokens.db' },
    });
  });

  it('reads every key of a Redis store', async () => {
    const config = await load({
      token_store: {
        type: 'redis',
        default_token_lifetime_seconds: 120,
        purge_interval_seconds: 30,
        redis: { url: 'rediss://cache.internal:6380/2', key_prefix: 'eu:', connect_timeout_ms: 500, command_timeout_ms: 250 },
      },
    });
    expect(config.tokenStore).toEqual({
      defaultTokenLifetimeSeconds: 120,
      purgeIntervalSeconds: 30,
      backend: { type: 'redis', url: 'rediss://cache.internal:6380/2', keyPrefix: 'eu:', connectTimeoutMs: 500, commandTimeoutMs: 250, waitForReplicas: 0, waitTimeoutMs: 500 },
    });
  });

  it('applies the Redis defaults and takes the URL from the variable url_env names', async () => {
    const config = await load(
      { token_store: { type: 'redis', redis: { url_env: 'STS_REDIS_URL' } } },
      { STS_REDIS_URL: 'redis://:pw@10.0.0.5:6379/0' },
    );
    expect(config.tokenStore.backend).toEqual({
      type: 'redis',
      url: 'redis://:pw@10.0.0.5:6379/0',
      keyPrefix: 'sts:',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
      waitForReplicas: 0,
      waitTimeoutMs: 500,
    });
  });

  it('reads rate_limits, login_backoff and trusted_proxies, with defaults for keys left out', async () => {
    const config = await load({
      rate_limits: { per_address: { requests: 10, per_seconds: 2 }, overall: {} },
      login_backoff: { lock_after_user_failures: 3 },
      trusted_proxies: ['10.0.0.0/8', '::1'],
    });
    expect(config.rateLimits).toEqual({ perAddress: { requests: 10, perSeconds: 2 }, overall: { requests: 6000, perSeconds: 60 }, shared: false });
    const perInstance = await load({ rate_limits: { per_instance: { per_seconds: 5 } } });
    expect(perInstance.rateLimits).toEqual({ perInstance: { requests: 6000, perSeconds: 5 }, shared: false });
    expect(config.loginBackoff).toEqual({ lockAfterUserFailures: 3, lockAfterAddressFailures: 20, firstDelaySeconds: 1, maxDelaySeconds: 900, shared: false });
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    // Without the sections there are no limits and no back-off.
    expect(await load({ token_store: {} })).toEqual(DEFAULTS);
  });

  it('ignores a redis section while the type is sqlite', async () => {
    const config = await load({ token_store: { redis: { key_prefix: 'x:' } } });
    expect(config.tokenStore.backend).toEqual({ type: 'sqlite', file: 'tokens.sqlite' });
  });

  it.each([
    [{ cache: {} }, 'cache'],
    [{ token_store: { sqlite: { path: 'x.db' } } }, 'token_store.sqlite.path'],
    [{ token_store: { type: 'redis', redis: { url: 'redis://h:1/0', password: 'pw' } } }, 'token_store.redis.password'],
  ])('refuses the unknown key in %j', async (content, path) => {
    expect(problemsOf(await refusal(content))).toEqual([{ path, message: 'unknown key' }]);
  });

  it('suggests the key meant by a typo', async () => {
    expect(problemsOf(await refusal({ token_store: { typ: 'sqlite' } }))).toEqual([
      { path: 'token_store.typ', message: 'unknown key; did you mean `type`?' },
    ]);
    expect(problemsOf(await refusal({ rate_limits: { per_adress: { requests: 1 } } }))).toEqual([
      { path: 'rate_limits.per_adress', message: 'unknown key; did you mean `per_address`?' },
    ]);
  });

  it.each([
    [{ token_store: { type: 'memcached' } }, 'token_store.type', /one of: sqlite, redis/],
    [{ token_store: { purge_interval_seconds: '60' } }, 'token_store.purge_interval_seconds', /integer/],
    [{ token_store: { purge_interval_seconds: 0 } }, 'token_store.purge_interval_seconds', /not be less than 1/],
    [{ token_store: { default_token_lifetime_seconds: 1.5 } }, 'token_store.default_token_lifetime_seconds', /integer/],
    [{ token_store: { sqlite: { file: '' } } }, 'token_store.sqlite.file', /must not be empty/],
    [{ token_store: { sqlite: { file: 7 } } }, 'token_store.sqlite.file', /string/],
    [{ token_store: { sqlite: 'tokens.db' } }, 'token_store.sqlite', /object/],
    [{ token_store: ['sqlite'] }, 'token_store', /object/],
    [{ token_store: { type: 'redis', redis: { url: 'http://h:6379' } } }, 'token_store.redis.url', /redis:\/\/ or rediss:\/\//],
    [{ token_store: { type: 'redis', redis: { url_env: 'NOT-A-NAME' } } }, 'token_store.redis.url_env', /name of an environment variable/],
    [{ token_store: { type: 'redis', redis: { url: 'redis://h/0', command_timeout_ms: 'fast' } } }, 'token_store.redis.command_timeout_ms', /integer/],
  ])('refuses the wrong value in %j', async (content, path, message) => {
    const problems = problemsOf(await refusal(content));
    expect(problems).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('refuses a file that is not a mapping', async () => {
    expect(problemsOf(await refusal('- a\n- b\n'))).toEqual([{ path: '', message: 'must be a mapping of keys to values' }]);
  });

  it('refuses type redis without url or url_env', async () => {
    expect(problemsOf(await refusal({ token_store: { type: 'redis' } }))).toEqual([
      { path: 'token_store.redis', message: expect.stringMatching(/required when type is redis.*url or url_env/) },
    ]);
    expect(problemsOf(await refusal({ token_store: { type: 'redis', redis: { key_prefix: 'a:' } } }))).toEqual([
      { path: 'token_store.redis', message: 'give url or url_env (one server), sentinels and name (a Sentinel set), or cluster (a Cluster)' },
    ]);
  });

  it('refuses url and url_env together', async () => {
    const content = { token_store: { type: 'redis', redis: { url: 'redis://h/0', url_env: 'STS_REDIS_URL' } } };
    expect(problemsOf(await refusal(content, { STS_REDIS_URL: 'redis://h/0' }))).toEqual([
      { path: 'token_store.redis', message: 'give url or url_env, not both' },
    ]);
  });

  it('refuses url_env naming an unset or empty variable', async () => {
    const content = { token_store: { type: 'redis', redis: { url_env: 'STS_REDIS_URL' } } };
    for (const env of [{}, { STS_REDIS_URL: '' }]) {
      expect(problemsOf(await refusal(content, env))).toEqual([
        { path: 'token_store.redis.url_env', message: 'environment variable STS_REDIS_URL is not set' },
      ]);
    }
  });

  it('refuses a variable that holds no Redis URL, without printing its value', async () => {
    const content = { token_store: { type: 'redis', redis: { url_env: 'STS_REDIS_URL' } } };
    const error = await refusal(content, { STS_REDIS_URL: 'secret-password-here' });
    expect(problemsOf(error)).toEqual([
      { path: 'token_store.redis.url_env', message: 'environment variable STS_REDIS_URL does not hold a redis:// or rediss:// URL' },
    ]);
    expect(error.message).not.toContain('secret-password-here');
  });

  it('refuses a YAML syntax error and a duplicate key, naming the file, line and column once', async () => {
    const syntax = await refusal('token_store:\n  type: [sqlite\n');
    expect(syntax.problems).toEqual([
      expect.objectContaining({ path: '', line: 3, column: 1, message: expect.stringMatching(/^YAML syntax error: Flow sequence /) }),
    ]);
    expect(syntax.message).toMatch(/^(.*\/)?config\/server\.yaml:3:1: YAML syntax error: Flow sequence .*\]$/);

    const duplicate = await refusal('token_store:\n  type: sqlite\n  type: redis\n');
    expect(duplicate.problems).toEqual([
      expect.objectContaining({ path: '', line: 3, column: 3, message: 'YAML syntax error: Map keys must be unique' }),
    ]);
  });

  it('names server.yaml by its absolute path when the config directory is outside the working directory', async () => {
    jest.spyOn(process, 'cwd').mockReturnValue(join(root, 'elsewhere', 'deeper'));
    await writeServerYaml({ token_store: { type: 'nope' } });
    expect(() => loadServerConfig(configDir, {})).toThrow(`${join(configDir, 'server.yaml')}: token_store.type: `);
  });

  it('reads public_base_url: scheme, host, port and path prefix, without a trailing slash', async () => {
    expect((await load({ public_base_url: 'https://sts.example.com' })).publicBaseUrl).toBe('https://sts.example.com');
    expect((await load({ public_base_url: 'https://STS.example.com:8443/sts/' })).publicBaseUrl).toBe('https://sts.example.com:8443/sts');
    const configured = await load({ public_base_url: 'http://127.0.0.1:9000' });
    expect(configured).toMatchObject({ publicBaseUrl: 'http://127.0.0.1:9000', publicBaseUrlConfigured: true });
  });

  it('defaults public_base_url to http(s)://<HOST>:<PORT>, as the server listens, never to anything from a request', async () => {
    expect(await load({}, { HOST: '0.0.0.0', PORT: '9090' })).toMatchObject({ publicBaseUrl: 'http://0.0.0.0:9090', publicBaseUrlConfigured: false });
    expect((await load({}, { HOST: '::1' })).publicBaseUrl).toBe('http://[::1]:8080');
    expect((await load({}, { STS_TLS_KEY_FILE: 'k.pem', STS_TLS_CERT_FILE: 'c.pem', PORT: '8443' })).publicBaseUrl).toBe('https://127.0.0.1:8443');
  });

  it.each([
    ['sts.example.com', 'is not an absolute URL (https://sts.example.com)'],
    ['ftp://sts.example.com', 'must start with https:// (or http://)'],
    ['https://sts.example.com/?tenant=a', 'has a query or fragment; give only scheme, host, port and path'],
    ['https://sts.example.com/#x', 'has a query or fragment; give only scheme, host, port and path'],
  ])('refuses public_base_url %s', async (value, why) => {
    expect(problemsOf(await refusal({ public_base_url: value }))).toEqual([{ path: 'public_base_url', message: `"${value}" ${why}` }]);
  });

  it('refuses a public_base_url with user information, without repeating the password', async () => {
    const error = await refusal({ public_base_url: 'https://admin:s3cret-pw@sts.example.com/sts' });
    expect(problemsOf(error)).toEqual([
      { path: 'public_base_url', message: '"https://...@sts.example.com/sts" has user information; give only scheme, host, port and path' },
    ]);
    expect(error.message).not.toContain('s3cret-pw');
  });

  it('refuses a public_base_url that is not a string', async () => {
    expect(problemsOf(await refusal({ public_base_url: 443 }))).toEqual([{ path: 'public_base_url', message: expect.stringMatching(/string/) }]);
  });

  it('reads admin_token_header lower-cased (Node names request headers so), absent by default', async () => {
    expect((await load({ admin_token_header: 'iPlanetDirectoryPro' })).adminTokenHeader).toBe('iplanetdirectorypro');
    expect((await load({ admin_token_header: 'X-Admin_Token' })).adminTokenHeader).toBe('x-admin_token');
    expect((await load({})).adminTokenHeader).toBeUndefined();
  });

  it.each([
    ['a space', 'iPlanet DirectoryPro', /must be an HTTP header name/],
    ['a colon', 'iPlanet:DirectoryPro', /must be an HTTP header name/],
    ['an empty name', '', /must be an HTTP header name/],
    ['over 64 characters', 'x'.repeat(65), /must be an HTTP header name/],
    ['Authorization', 'AUTHORIZATION', /already uses/],
    ['Host', 'host', /already uses/],
    ['X-Forwarded-For', 'X-Forwarded-For', /already uses/],
  ])('refuses an admin_token_header with %s', async (_what, name, message) => {
    const error = await refusal({ admin_token_header: name });
    expect(error.problems).toEqual([expect.objectContaining({ path: 'admin_token_header', message: expect.stringMatching(message) })]);
  });

  it('refuses an admin_token_header that is not a string', async () => {
    expect((await refusal({ admin_token_header: 42 })).problems[0].path).toBe('admin_token_header');
  });

  describe('plugin_defaults and plugins', () => {
    it('reads the defaults and each plugin entry, leaving out what is not set', async () => {
      const config = await load({
        plugin_defaults: { workers: 3, call_timeout_ms: 2000, max_heap_mb: 128, max_young_heap_mb: 4, max_queued_calls: 50 },
        plugins: [{ name: 'fast', isolation: 'none' }, { name: 'heavy', workers: 8, max_heap_mb: 1024, max_young_heap_mb: 64 }],
      });
      expect(config.pluginIsolation).toEqual({
        defaults: { workers: 3, callTimeoutMs: 2000, maxHeapMb: 128, maxYoungHeapMb: 4, maxQueuedCalls: 50 },
        byName: new Map([
          ['fast', { isolation: 'none' }],
          ['heavy', { workers: 8, maxHeapMb: 1024, maxYoungHeapMb: 64 }],
        ]),
      });
    });

    it('reads nice in the defaults and in an entry, 0 included', async () => {
      const config = await load({ plugin_defaults: { nice: 5 }, plugins: [{ name: 'gentle', nice: 0 }, { name: 'heavy', nice: 19 }] });
      expect(config.pluginIsolation).toEqual({
        defaults: { nice: 5 },
        byName: new Map([
          ['gentle', { nice: 0 }],
          ['heavy', { nice: 19 }],
        ]),
      });
    });

    it('accepts nice with isolation: none in the defaults when an entry runs in workers', async () => {
      const config = await load({ plugin_defaults: { isolation: 'none', nice: 5 }, plugins: [{ name: 'isolated', isolation: 'worker', nice: 12 }] });
      expect(config.pluginIsolation?.byName.get('isolated')).toEqual({ isolation: 'worker', nice: 12 });
    });

    it('has none without either key', async () => {
      expect((await load({})).pluginIsolation).toBeUndefined();
    });

    it.each([
      ['an unknown isolation', { plugin_defaults: { isolation: 'process' } }, 'plugin_defaults.isolation', /isolation must be one of: worker, none/],
      ['no workers', { plugin_defaults: { workers: 0 } }, 'plugin_defaults.workers', /workers must not be less than 1/],
      ['a tiny heap', { plugins: [{ name: 'p', max_heap_mb: 8 }] }, 'plugins[0].max_heap_mb', /max_heap_mb must not be less than 16/],
      ['a young heap below 2 MiB', { plugin_defaults: { max_young_heap_mb: 1 } }, 'plugin_defaults.max_young_heap_mb', /max_young_heap_mb must not be less than 2/],
      ['a young heap past 1024 MiB', { plugins: [{ name: 'p', max_young_heap_mb: 2048 }] }, 'plugins[0].max_young_heap_mb', /max_young_heap_mb must not be greater than 1024/],
      ['a fractional young heap', { plugins: [{ name: 'p', max_young_heap_mb: 8.5 }] }, 'plugins[0].max_young_heap_mb', /max_young_heap_mb must be an integer/],
      ['a young heap given as text', { plugin_defaults: { max_young_heap_mb: '8MB' } }, 'plugin_defaults.max_young_heap_mb', /max_young_heap_mb must be an integer/],
      ['a time limit that is not a number', { plugins: [{ name: 'p', call_timeout_ms: 'soon' }] }, 'plugins[0].call_timeout_ms', /call_timeout_ms must be an integer/],
      ['an entry without a name', { plugins: [{ workers: 2 }] }, 'plugins[0].name', /name must be/],
      ['a name that is no folder name', { plugins: [{ name: '../etc' }] }, 'plugins[0].name', /name must be a plugin folder name/],
      ['an unknown key', { plugins: [{ name: 'p', threads: 2 }] }, 'plugins[0].threads', /./],
      ['a plugin listed twice', { plugins: [{ name: 'p' }, { name: 'p', workers: 2 }] }, 'plugins[1].name', /plugin p is listed twice/],
      ['a nice that is not a number', { plugin_defaults: { nice: 'low' } }, 'plugin_defaults.nice', /nice must be an integer/],
      ['a fractional nice', { plugins: [{ name: 'p', nice: 2.5 }] }, 'plugins[0].nice', /nice must be an integer/],
      ['a negative nice (a higher priority)', { plugins: [{ name: 'p', nice: -1 }] }, 'plugins[0].nice', /nice must not be less than 0/],
      ['a nice past 19', { plugin_defaults: { nice: 20 } }, 'plugin_defaults.nice', /nice must not be greater than 19/],
      ['nice on a plugin with isolation: none', { plugins: [{ name: 'fast', isolation: 'none', nice: 5 }] }, 'plugins[0].nice', /runs with isolation: none, in the server's own thread; nice applies to worker threads only/],
      ['nice on a plugin that takes isolation: none from the defaults', { plugin_defaults: { isolation: 'none' }, plugins: [{ name: 'fast', nice: 0 }] }, 'plugins[0].nice', /plugin fast runs with isolation: none/],
    ])('refuses %s, naming the key', async (_what, content, path, message) => {
      expect(problemsOf(await refusal(content))).toContainEqual({ path, message: expect.stringMatching(message) });
    });
  });

  it('refuses a server.yaml it cannot read', async () => {
    await mkdir(join(configDir, 'server.yaml'));
    expect(() => loadServerConfig(configDir, {})).toThrow('config/server.yaml: cannot read the file (EISDIR)');
  });
});
