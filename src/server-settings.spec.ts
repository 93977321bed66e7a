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
