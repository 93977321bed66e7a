import { addressKey, clientAddress, isAddressOrRange, TrustedProxies } from './client-address';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { ServerConfig } from '../server-config/server-config';
import { InstanceRateLimits } from './instance-rate-limits';
import { LoginBackoff } from './login-backoff';
import { LocalWindowCounters } from './window-counters';
import { WindowCounter } from './window-counter';

describe('WindowCounter', () => {
  it('refuses past the limit with the seconds left, and starts again after the window', () => {
    let now = 0;
    const counter = new WindowCounter({ requests: 2, perSeconds: 10 }, 100, () => now);
    expect(counter.hit('a')).toBeUndefined();
    now = 1000;
    expect(counter.hit('a')).toBeUndefined();
    expect(counter.hit('a')).toBe(9);
    expect(counter.hit('b')).toBeUndefined();
    now = 10_000;
    expect(counter.hit('a')).toBeUndefined();
  });

  it('never holds more keys than maxKeys, sweeping expired windows first', () => {
    let now = 0;
    const counter = new WindowCounter({ requests: 1, perSeconds: 1 }, 3, () => now);
    for (const key of ['a', 'b', 'c', 'd', 'e']) counter.hit(key);
    expect(counter.size).toBe(3);
    // d and e are not tracked while the map is full of live windows: not limited on their own.
    expect(counter.hit('d')).toBeUndefined();
    now = 1000;
    counter.hit('x');
    expect(counter.size).toBe(1);
  });
});

describe('client address', () => {
  const trusted = new TrustedProxies(['10.0.0.0/8', '127.0.0.1']);

  it('takes X-Forwarded-For only from a trusted peer, right-most untrusted hop first', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', trusted)).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.7, 10.1.2.3', trusted)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:127.0.0.1', 'garbage, 10.1.2.3', trusted)).toBe('10.1.2.3');
    expect(clientAddress('127.0.0.1', undefined, trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '198.51.100.1', new TrustedProxies([]))).toBe('127.0.0.1');
  });

  it('counts IPv6 by /64', () => {
    expect(addressKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });

  it.each([
    ['10.0.0.0/8', true],
    ['::1', true],
    ['fd00::/8', true],
    ['10.0.0.0/33', false],
    ['proxy.internal', false],
    ['10.0.0.1/8/1', false],
  ])('isAddressOrRange(%s) is %s', (entry, expected) => {
    expect(isAddressOrRange(entry)).toBe(expected);
  });
});

describe('LoginBackoff', () => {
  let now: number;
  let backoff: LoginBackoff;
  beforeEach(() => {
    now = 0;
    backoff = new LoginBackoff({ lockAfterUserFailures: 3, lockAfterAddressFailures: 10, firstDelaySeconds: 1, maxDelaySeconds: 900, shared: false }, 1000, () => now);
  });
  const fail = (times: number, user = 'alice', address = 'A') => {
    for (let i = 0; i < times; i++) expect(backoff.settle(user, address, false)).toBeUndefined();
  };

  it('locks a user after N failures, doubling the delay up to the cap, only for the failing address', () => {
    fail(2);
    expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
    fail(1);
    expect(backoff.retryAfter('alice', 'A')).toBe(1);
    expect(backoff.retryAfter('ALICE', 'A')).toBe(1);
    expect(backoff.retryAfter('alice', 'B')).toBeUndefined();
    const delays: number[] = [];
    let wait = 1;
    for (let i = 0; i < 12; i++) {
      now += wait * 1000; // wait the lock out (the record is remembered max_delay after the last failure)
      expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
      fail(1);
      wait = backoff.retryAfter('alice', 'A')!;
      delays.push(wait);
    }
    expect(delays.slice(0, 10)).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
    expect(delays.slice(10)).toEqual([900, 900]);
  });

  it('forgets a user and an address max_delay after the lock ends; success resets the user only', () => {
    fail(3);
    now += 900_000 + 1000;
    expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
    fail(1);
    expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
    fail(2);
    expect(backoff.retryAfter('alice', 'A')).toBe(1);
    // While locked, a right password is not recorded either: the lock stays.
    expect(backoff.settle('alice', 'A', true)).toBe(1);
    expect(backoff.retryAfter('alice', 'A')).toBe(1);
    expect(backoff.settle('alice', 'B', true)).toBeUndefined();
    expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
  });

  it('locks an address across users after its own threshold', () => {
    for (let i = 0; i < 10; i++) backoff.settle(`user${i}`, 'C', false);
    expect(backoff.retryAfter('someone-else', 'C')).toBe(1);
    expect(backoff.retryAfter('someone-else', 'D')).toBeUndefined();
  });

  it('withholds the outcome of attempts that finish after a lock began, and records nothing for them', () => {
    // Five guesses passed retryAfter together; they finish one after another.
    for (let i = 0; i < 5; i++) expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
    const settled = [false, false, false, false, true].map((ok) => backoff.settle('alice', 'A', ok));
    expect(settled).toEqual([undefined, undefined, undefined, 1, 1]);
    // The withheld ones did not double the lock, and the withheld success did not clear it.
    now += 1000;
    expect(backoff.retryAfter('alice', 'A')).toBeUndefined();
    expect(backoff.settle('alice', 'A', false)).toBeUndefined();
    expect(backoff.retryAfter('alice', 'A')).toBe(2);
  });

  it('keeps at most maxRecords records', () => {
    const small = new LoginBackoff({ lockAfterUserFailures: 3, lockAfterAddressFailures: 10, firstDelaySeconds: 1, maxDelaySeconds: 900, shared: false }, 10, () => now);
    for (let i = 0; i < 100; i++) small.settle(`user${i}`, `addr${i}`, false);
    expect((small as unknown as { users: Map<string, unknown> }).users.size).toBe(10);
    expect((small as unknown as { addresses: Map<string, unknown> }).addresses.size).toBe(10);
  });
});

describe('InstanceRateLimits', () => {
  const instance = (path: string, rate_limit?: { requests: number; per_seconds: number }) =>
    ({ instance: { path, settings: { rate_limit } } }) as unknown as LoadedInstance;
  const config = (perInstance?: { requests: number; perSeconds: number }) => ({ rateLimits: perInstance && { perInstance } }) as unknown as ServerConfig;
  const refusal = async (limits: InstanceRateLimits, target: LoadedInstance) => {
    try {
      await limits.admit(target);
      return undefined;
    } catch (error) {
      return { status: (error as { status: number }).status, code: (error as { code: string }).code, retryAfter: (error as { retryAfterSeconds: number }).retryAfterSeconds };
    }
  };

  it('counts each instance path in its own window, with the server default where the instance sets none', async () => {
    let now = 0;
    const limits = new InstanceRateLimits(config({ requests: 2, perSeconds: 10 }), { windowCounters: new LocalWindowCounters(() => now) });
    const a = instance('/a');
    expect(await refusal(limits, a)).toBeUndefined();
    expect(await refusal(limits, a)).toBeUndefined();
    now = 4000;
    expect(await refusal(limits, a)).toEqual({ status: 429, code: 'rate_limited', retryAfter: 6 });
    expect(await refusal(limits, instance('/b'))).toBeUndefined();
    now = 10_000;
    expect(await refusal(limits, a)).toBeUndefined();
  });

  it("uses the instance's own limit, and starts a fresh window when a reload changes it", async () => {
    const now = 0;
    const limits = new InstanceRateLimits(config(), { windowCounters: new LocalWindowCounters(() => now) });
    expect(await refusal(limits, instance('/free'))).toBeUndefined();
    expect(await refusal(limits, instance('/one', { requests: 1, per_seconds: 60 }))).toBeUndefined();
    expect((await refusal(limits, instance('/one', { requests: 1, per_seconds: 60 })))?.code).toBe('rate_limited');
    expect(await refusal(limits, instance('/one', { requests: 2, per_seconds: 60 }))).toBeUndefined();
    expect(await refusal(limits, instance('/one', { requests: 2, per_seconds: 60 }))).toBeUndefined();
    expect((await refusal(limits, instance('/one', { requests: 2, per_seconds: 60 })))?.retryAfter).toBe(60);
  });
});
