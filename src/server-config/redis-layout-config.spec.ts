/** token_store.redis: Sentinel, Cluster, ACL user, TLS and WAIT keys, and their load-time checks. */
import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../realms/config-problem';
import type { RedisBackendSettings } from './server-config';
import { loadServerConfig } from './server-config-loader';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let configDir: string;

beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'sts-redis-config-'));
});

afterEach(async () => {
  await rm(configDir, { recursive: true, force: true });
});

async function backendOf(redis: object, env: NodeJS.ProcessEnv = {}): Promise<RedisBackendSettings> {
  await writeFile(join(configDir, 'server.yaml'), stringify({ token_store: { type: 'redis', redis } }));
  return loadServerConfig(configDir, env).tokenStore.backend as RedisBackendSettings;
}

async function problemsOf(redis: object, env: NodeJS.ProcessEnv = {}): Promise<{ path: string; message: string }[]> {
  const error = await backendOf(redis, env).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems;
  for (const problem of problems) expect((error as ConfigError).message).toContain(`server.yaml: ${problem.path}: ${problem.message}`);
  return problems.map(({ path, message }) => ({ path, message }));
}

describe('token_store.redis layouts', () => {
  it('reads a Sentinel set with passwords from the environment', async () => {
    const backend = await backendOf(
      {
        sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }],
        name: 'sts-primary',
        sentinel_username: 'watcher',
        sentinel_password_env: 'SENTINEL_PW',
        username: 'sts',
        password_env: 'REDIS_PW',
        wait_for_replicas: 1,
        wait_timeout_ms: 300,
      },
      { SENTINEL_PW: 'sp', REDIS_PW: 'rp' },
    );
    expect(backend).toEqual({
      type: 'redis',
      sentinel: { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], name: 'sts-primary', username: 'watcher', password: 'sp' },
      username: 'sts',
      password: 'rp',
      keyPrefix: 'sts:',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
      waitForReplicas: 1,
      waitTimeoutMs: 300,
    });
  });

  it('reads a Cluster seed list with TLS and a CA file relative to the configuration directory', async () => {
    await writeFile(join(configDir, 'redis-ca.pem'), PEM);
    const backend = await backendOf({ cluster: [{ host: '10.0.0.1', port: 7000 }], tls: { ca_file: 'redis-ca.pem', server_name: 'redis.internal' } });
    expect(backend.cluster).toEqual([{ host: '10.0.0.1', port: 7000 }]);
    expect(backend.tls).toEqual({ ca: PEM, serverName: 'redis.internal' });
    expect(backend.url).toBeUndefined();
  });

  it('turns TLS on for a rediss:// URL with a CA file', async () => {
    await writeFile(join(configDir, 'ca.pem'), PEM);
    expect((await backendOf({ url: 'rediss://h:6380/0', tls: { ca_file: 'ca.pem' } })).tls).toEqual({ ca: PEM });
  });

  it.each([
    [{ url: 'redis://h/0', cluster: [{ host: 'h', port: 1 }] }, '', 'give only one of url/url_env, sentinels, cluster'],
    [{ sentinels: [{ host: 'h', port: 1 }], cluster: [{ host: 'h', port: 1 }] }, '', 'give only one of url/url_env, sentinels, cluster'],
    [{ sentinels: [{ host: 'h', port: 1 }] }, '.name', "required with sentinels: the primary's name as the sentinels know it (sentinel monitor <name> ...)"],
    [{ sentinels: [] , name: 'm' }, '.sentinels', 'must list at least one host and port'],
    [{ cluster: [] }, '.cluster', 'must list at least one host and port'],
    [{ url: 'redis://h/0', name: 'm' }, '.name', 'only with sentinels'],
    [{ url: 'redis://h/0', tls: {} }, '.tls', 'needs a rediss:// URL (TLS to a redis:// URL is a contradiction)'],
    [{ cluster: [{ host: 'h', port: 1 }], tls: { ca_file: 'missing.pem' } }, '.tls.ca_file', 'cannot read missing.pem (ENOENT)'],
    [{ cluster: [{ host: 'h', port: 1 }], password_env: 'NOT_SET' }, '.password_env', 'environment variable NOT_SET is not set'],
    [{ sentinels: [{ host: 'h', port: 1 }], name: 'm', sentinel_password_env: 'NOT_SET' }, '.sentinel_password_env', 'environment variable NOT_SET is not set'],
    [{ url: 'redis://h/0', wait_for_replicas: 1, wait_timeout_ms: 1000 }, '.wait_timeout_ms', 'must be less than command_timeout_ms (1000), or the command timeout ends the wait first'],
  ])('refuses %j', async (redis, path, message) => {
    expect(await problemsOf(redis)).toEqual([{ path: `token_store.redis${path}`, message }]);
  });

  it('refuses a CA file without a certificate', async () => {
    await writeFile(join(configDir, 'ca.pem'), 'not a certificate');
    expect(await problemsOf({ cluster: [{ host: 'h', port: 1 }], tls: { ca_file: 'ca.pem' } })).toEqual([
      { path: 'token_store.redis.tls.ca_file', message: 'ca.pem holds no PEM certificate' },
    ]);
  });

  it('refuses a bad node, a password key in the file and braces in key_prefix, naming the key', async () => {
    const paths = async (redis: object) => (await problemsOf(redis)).map(({ path }) => path);
    expect(await paths({ cluster: [{ host: 'h', port: 0 }] })).toEqual(['token_store.redis.cluster[0].port']);
    expect(await paths({ cluster: [{ host: 'h', port: 1 }], password: 'x' })).toEqual(['token_store.redis.password']);
    expect(await problemsOf({ url: 'redis://h/0', key_prefix: '{a}' })).toEqual([
      { path: 'token_store.redis.key_prefix', message: 'key_prefix must not contain { or } (the store places its own Cluster hash tags)' },
    ]);
  });

  it('never shows a password from the environment', async () => {
    const error = await backendOf({ url_env: 'U' }, { U: 'not-a-url-secret' }).catch((caught: Error) => caught);
    expect(String((error as Error).message)).not.toContain('secret');
  });

  it('reads the key-wrapping key for shared rotating keys from the environment (32 bytes, base64)', async () => {
    const key = Buffer.alloc(32, 7);
    const backend = await backendOf({ url: 'redis://h/0', key_wrapping_key_env: 'WRAP' }, { WRAP: key.toString('base64') });
    expect(backend.keyWrappingKey).toEqual(key);
    expect((await backendOf({ url: 'redis://h/0' })).keyWrappingKey).toBeUndefined();
  });

  it.each([
    ['unset', {}, 'environment variable WRAP is not set'],
    ['16 bytes', { WRAP: Buffer.alloc(16, 1).toString('base64') }, 'environment variable WRAP must hold 32 random bytes in base64 (openssl rand -base64 32), not 16 bytes'],
    ['a passphrase', { WRAP: 'correct horse battery staple' }, expect.stringMatching(/^environment variable WRAP must hold 32 random bytes in base64 .*, not \d+ bytes$/)],
  ])('refuses a key-wrapping key that is %s', async (_what, env, message) => {
    expect(await problemsOf({ url: 'redis://h/0', key_wrapping_key_env: 'WRAP' }, env)).toEqual([{ path: 'token_store.redis.key_wrapping_key_env', message }]);
  });

  it('never shows the key-wrapping key', async () => {
    const error = await backendOf({ url: 'redis://h/0', key_wrapping_key_env: 'WRAP' }, { WRAP: 'c2VjcmV0LXdyYXBwaW5n' }).catch((caught: Error) => caught);
    expect(String((error as Error).message)).not.toContain('c2VjcmV0LXdyYXBwaW5n');
  });
});
