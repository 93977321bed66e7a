import { TokenStoreUnavailableError } from '../errors/sts-errors';
import type { ConfigurationStatus, RefusedReload } from '../realms/configuration-status';
import type { RealmRegistry } from '../realms/realm-registry.service';
import type { TokenStore } from '../tokens/token-store';
import { HealthController, TOKEN_STORE_PING_TIMEOUT_MS } from './health.controller';

function controller(ready: boolean, ping: () => Promise<void>, refusedReload?: RefusedReload): HealthController {
  const status: ConfigurationStatus = { state: refusedReload ? 'STALE' : 'UP', hash: 'h', loadedAt: new Date(0), files: [], refusedReload };
  const realms = { ready, status: ready ? status : undefined } as RealmRegistry;
  const store = { ping } as TokenStore;
  return new HealthController(realms, store);
}

describe('HealthController', () => {
  it('live answers UP', () => {
    expect(controller(false, async () => undefined).live()).toEqual({ status: 'UP' });
  });

  it('ready refuses with 503 not_ready while no configuration is loaded', async () => {
    const ping = jest.fn(async () => undefined);
    await expect(controller(false, ping).ready()).rejects.toMatchObject({ status: 503, code: 'not_ready' });
    expect(ping).not.toHaveBeenCalled();
  });

  it('ready answers UP with both checks UP when the token store answers', async () => {
    expect(await controller(true, async () => undefined).ready()).toEqual({
      status: 'UP',
      checks: { configuration: 'UP', token_store: 'UP' },
    });
  });

  it('ready answers DEGRADED (still a 200 body) when the token store fails', async () => {
    const failing = async () => {
      throw new TokenStoreUnavailableError();
    };
    expect(await controller(true, failing).ready()).toEqual({
      status: 'DEGRADED',
      checks: { configuration: 'UP', token_store: 'DOWN' },
    });
  });

  it('ready answers DEGRADED (still a 200 body) with configuration STALE and why, after a refused reload', async () => {
    const refused = { at: new Date('2026-06-01T10:00:00Z'), problems: [{ file: 'config/realms/root.yaml', path: '', line: 3, column: 1, message: 'YAML syntax error: x' }] };
    expect(await controller(true, async () => undefined, refused).ready()).toEqual({
      status: 'DEGRADED',
      checks: { configuration: 'STALE', token_store: 'UP' },
      refused_reload: { at: '2026-06-01T10:00:00.000Z', problems: [{ file: 'config/realms/root.yaml', path: '', line: 3, column: 1, message: 'YAML syntax error: x' }] },
    });
  });

  it('ready answers DEGRADED within the ping timeout when the token store hangs', async () => {
    const started = Date.now();
    const body = await controller(true, () => new Promise<void>(() => undefined)).ready();
    expect(body).toMatchObject({ status: 'DEGRADED', checks: { token_store: 'DOWN' } });
    expect(Date.now() - started).toBeLessThan(TOKEN_STORE_PING_TIMEOUT_MS + 500);
  });
});
