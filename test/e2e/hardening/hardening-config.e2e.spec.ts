/** A bad `rate_limits`, `login_backoff` or `trusted_proxies` in server.yaml stops start-up, naming the key. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigError } from '../../../src/realms/config-problem';
import { rootRealm } from '../../support/realm-fixtures';
import { startupError, writeConfigDir } from '../../support/test-server';

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function startError(serverConfig: object): Promise<{ error: ConfigError; file: string }> {
  const dir = await writeConfigDir({ root: await rootRealm() }, serverConfig);
  roots.push(dir.root);
  return { error: await startupError(dir), file: join(dir.configDir, 'server.yaml') };
}

describe('start-up with a bad rate_limits / login_backoff / trusted_proxies', () => {
  it.each([
    [{ rate_limits: { per_address: { requests: -1 } } }, 'rate_limits.per_address.requests', 'requests must not be less than 1'],
    [{ rate_limits: { overall: { per_seconds: 0 } } }, 'rate_limits.overall.per_seconds', 'per_seconds must not be less than 1'],
    [{ rate_limits: { per_address: { requests: '600' } } }, 'rate_limits.per_address.requests', 'requests must be an integer number'],
    [{ rate_limits: { per_adress: { requests: 1 } } }, 'rate_limits.per_adress', 'unknown key; did you mean `per_address`?'],
    [{ rate_limits: { per_instance: { requests: 0 } } }, 'rate_limits.per_instance.requests', 'requests must not be less than 1'],
    [{ rate_limits: { per_address: { requests: 1, window: 5 } } }, 'rate_limits.per_address.window', 'unknown key'],
    [{ login_backoff: { max_delay_seconds: -5 } }, 'login_backoff.max_delay_seconds', 'max_delay_seconds must not be less than 1'],
    [{ login_backoff: { lock_after_user_failures: 0 } }, 'login_backoff.lock_after_user_failures', 'lock_after_user_failures must not be less than 1'],
    [{ login_backoff: { lockout: true } }, 'login_backoff.lockout', 'unknown key'],
    [{ trusted_proxies: ['10.0.0.0/33'] }, 'trusted_proxies.0', 'must be an IP address or a CIDR range (10.0.0.0/8)'],
    [{ trusted_proxies: ['127.0.0.1', 'proxy.internal'] }, 'trusted_proxies.1', 'must be an IP address or a CIDR range (10.0.0.0/8)'],
    [{ trusted_proxies: '127.0.0.1' }, 'trusted_proxies', 'trusted_proxies must be an array'],
  ])('refuses %j naming the key', async (serverConfig, path, message) => {
    const { error, file } = await startError(serverConfig);
    expect(error.message).toBe(`${file}: ${path}: ${message}`);
  });
});

describe("start-up with a bad instance rate_limit", () => {
  it.each([
    [{ requests: 0 }, 'rate_limit.requests', 'requests must not be less than 1'],
    [{ per_seconds: 10 }, 'rate_limit.requests', 'requests must be an integer number'],
    [{ requests: 5, burst: 2 }, 'rate_limit.burst', 'unknown key'],
  ])('refuses rate_limit %j naming the key', async (rateLimit, path, message) => {
    const realm = await rootRealm();
    const instances = realm.instances as Record<string, object>;
    const dir = await writeConfigDir({ root: { ...realm, instances: { ...instances, default: { ...instances.default, rate_limit: rateLimit } } } });
    roots.push(dir.root);
    expect((await startupError(dir)).message).toContain(`instances.default.${path}: ${message}`);
  });
});
