import { availableParallelism } from 'node:os';
import { settingsFromEnv } from './server-settings';

describe('STS_WORKERS', () => {
  it('defaults to 1', () => {
    expect(settingsFromEnv({}).workers).toBe(1);
    expect(settingsFromEnv({ STS_WORKERS: '' }).workers).toBe(1);
  });

  it('takes an integer from 1 to 64', () => {
    expect(settingsFromEnv({ STS_WORKERS: '1' }).workers).toBe(1);
    expect(settingsFromEnv({ STS_WORKERS: '4' }).workers).toBe(4);
    expect(settingsFromEnv({ STS_WORKERS: '64' }).workers).toBe(64);
  });

  it('auto is one per CPU available to the process', () => {
    expect(settingsFromEnv({ STS_WORKERS: 'auto' }).workers).toBe(Math.min(availableParallelism(), 64));
  });

  it.each(['0', '65', '-1', '1.5', 'abc', 'AUTO'])('refuses %s, naming the variable and what it accepts', (value) => {
    expect(() => settingsFromEnv({ STS_WORKERS: value })).toThrow(
      `STS_WORKERS=${value} is not an integer between 1 and 64, or auto`,
    );
  });
});

describe('STS_METRICS, STS_METRICS_TOKEN, STS_SHUTDOWN_TIMEOUT_MS', () => {
  it('metrics are on unless STS_METRICS=false, unauthenticated unless a token is set', () => {
    expect(settingsFromEnv({})).toMatchObject({ metrics: true, metricsToken: undefined });
    expect(settingsFromEnv({ STS_METRICS: 'false' }).metrics).toBe(false);
    expect(settingsFromEnv({ STS_METRICS_TOKEN: 'a-long-metrics-token' }).metricsToken).toBe('a-long-metrics-token');
  });

  it('refuses a metrics token shorter than 16 characters', () => {
    expect(() => settingsFromEnv({ STS_METRICS_TOKEN: 'short' })).toThrow('STS_METRICS_TOKEN must be at least 16 characters long');
  });

  it('the shutdown timeout defaults to 10 s and takes 0 .. 600000 ms', () => {
    expect(settingsFromEnv({}).shutdownTimeoutMs).toBe(10_000);
    expect(settingsFromEnv({ STS_SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
    expect(() => settingsFromEnv({ STS_SHUTDOWN_TIMEOUT_MS: '-1' })).toThrow('STS_SHUTDOWN_TIMEOUT_MS=-1 is not an integer between 0 and 600000');
  });
});

describe('STS_LOG_LEVEL, STS_ACCESS_LOG, STS_DOCS', () => {
  it('logs at info with an access line and serves /docs by default', () => {
    expect(settingsFromEnv({})).toMatchObject({ logLevel: 'info', accessLog: true, docs: true });
  });

  it('takes the pino level names and the false switches', () => {
    expect(settingsFromEnv({ STS_LOG_LEVEL: 'warn', STS_ACCESS_LOG: 'false', STS_DOCS: 'false' })).toMatchObject({ logLevel: 'warn', accessLog: false, docs: false });
    expect(settingsFromEnv({ STS_LOG_LEVEL: 'silent' }).logLevel).toBe('silent');
  });

  it.each(['verbose', 'INFO', '30'])('refuses STS_LOG_LEVEL=%s, listing the levels', (value) => {
    expect(() => settingsFromEnv({ STS_LOG_LEVEL: value })).toThrow(`STS_LOG_LEVEL=${value} is not one of fatal, error, warn, info, debug, trace, silent`);
  });
});

describe('STS_REQUIRE_PLUGINS', () => {
  it('defaults to false (a binding to a missing plugin is a warning) and takes true or false', () => {
    expect(settingsFromEnv({}).requirePlugins).toBe(false);
    expect(settingsFromEnv({ STS_REQUIRE_PLUGINS: '' }).requirePlugins).toBe(false);
    expect(settingsFromEnv({ STS_REQUIRE_PLUGINS: 'false' }).requirePlugins).toBe(false);
    expect(settingsFromEnv({ STS_REQUIRE_PLUGINS: 'true' }).requirePlugins).toBe(true);
  });

  it.each(['yes', '1', 'TRUE'])('refuses %s rather than quietly keeping the default', (value) => {
    expect(() => settingsFromEnv({ STS_REQUIRE_PLUGINS: value })).toThrow(`STS_REQUIRE_PLUGINS=${value} is not true or false`);
  });
});
