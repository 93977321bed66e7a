import { Logger } from '@nestjs/common';
import type { ServerConfig } from '../server-config/server-config';
import { TokenStoreMaintenance } from './token-store-maintenance.service';
import type { TokenStore } from './token-store';

function setUp(purgeExpired: () => Promise<number>) {
  const store = { purgeExpired: jest.fn(purgeExpired), close: jest.fn(async () => undefined) };
  const config = {
    file: 'config/server.yaml',
    tokenStore: { defaultTokenLifetimeSeconds: 3600, purgeIntervalSeconds: 30, backend: { type: 'sqlite', file: 'tokens.sqlite' } },
    publicBaseUrl: 'http://127.0.0.1:8080',
    publicBaseUrlConfigured: false,
  } satisfies ServerConfig;
  return { store, maintenance: new TokenStoreMaintenance(store as unknown as TokenStore, config) };
}

describe('TokenStoreMaintenance', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('purges every purge_interval_seconds, and stops and closes the store on shutdown', async () => {
    const { store, maintenance } = setUp(async () => 0);
    maintenance.onModuleInit();

    await jest.advanceTimersByTimeAsync(29_999);
    expect(store.purgeExpired).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(store.purgeExpired).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(store.purgeExpired).toHaveBeenCalledTimes(3);

    await maintenance.onApplicationShutdown();
    expect(store.close).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(store.purgeExpired).toHaveBeenCalledTimes(3);
  });

  it('logs a failed purge instead of throwing, and tries again next time', async () => {
    const { store, maintenance } = setUp(async () => {
      throw new Error('disk I/O error');
    });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await expect(maintenance.purge(1000)).resolves.toBeUndefined();
    await expect(maintenance.purge(2000)).resolves.toBeUndefined();
    expect(store.purgeExpired).toHaveBeenNthCalledWith(2, 2000);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('disk I/O error'));
  });

  it('does not start a purge while the previous one is still running', async () => {
    let finish: (n: number) => void = () => undefined;
    const { store, maintenance } = setUp(() => new Promise<number>((done) => (finish = done)));
    const first = maintenance.purge();
    await maintenance.purge();
    expect(store.purgeExpired).toHaveBeenCalledTimes(1);
    finish(0);
    await first;
    const second = maintenance.purge();
    expect(store.purgeExpired).toHaveBeenCalledTimes(2);
    finish(0);
    await second;
  });
});
