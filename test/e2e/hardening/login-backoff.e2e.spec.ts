/**
 * server.yaml `login_backoff`: failed USERNAME logins lock the user (for the failing addresses
 * only) and the address, with 429 `login_backoff` and Retry-After, before the password is checked.
 */
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';

const TRANSLATE = '/rest-sts/default?_action=translate';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BACKOFF = { lock_after_user_failures: 3, lock_after_address_failures: 6, first_delay_seconds: 1, max_delay_seconds: 4 };

function expectStatus(res: TestResponse, status: number, error?: string): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error });
}

function expectBackoff(res: TestResponse, retryAfter: number): void {
  expectStatus(res, 429, 'login_backoff');
  expect(res.body).toEqual({ code: 429, reason: 'Too Many Requests', message: expect.any(String), error: 'login_backoff' });
  expect(res.headers.get('retry-after')).toBe(String(retryAfter));
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('login back-off', () => {
  let server: TestServer;
  afterEach(() => server.close());
  const start = async (serverConfig: object) => {
    server = await startTestServer({ root: await rootRealm() }, {}, serverConfig);
  };
  /** A login from `address` (the test server trusts 127.0.0.1 as a proxy where the test says so). */
  const login = (password: string, address?: string, username = 'alice') =>
    server.post(TRANSLATE, usernameToOidc(username, password), address ? { 'x-forwarded-for': address } : {});
  const fail = async (times: number, address?: string, username = 'alice') => {
    for (let i = 0; i < times; i++) expectStatus(await login('wrong password', address, username), 401, 'invalid_credentials');
  };

  it('is off without login_backoff', async () => {
    await start({});
    await fail(10);
    expectStatus(await login(DEMO_PASSWORD), 200, undefined);
  });

  it('locks the user from the failing address without checking the password; another address still logs in and resets', async () => {
    await start({ login_backoff: BACKOFF, trusted_proxies: ['127.0.0.1'] });
    await fail(3, '198.51.100.1');
    // The correct password is refused too: the password is not looked at while backed off.
    expectBackoff(await login(DEMO_PASSWORD, '198.51.100.1'), 1);
    expectBackoff(await login('wrong password', '198.51.100.1'), 1);
    // Case variants are the same user.
    expectBackoff(await login(DEMO_PASSWORD, '198.51.100.1', 'ALICE'), 1);
    // An address with no failures is not locked out: the attacker cannot lock alice out.
    expectStatus(await login(DEMO_PASSWORD, '203.0.113.9'), 200, undefined);
    // ...and that success reset alice's record, so the first address gets in again.
    expectStatus(await login(DEMO_PASSWORD, '198.51.100.1'), 200, undefined);
  });

  it('lets the lock expire, then doubles it on the next failure', async () => {
    await start({ login_backoff: BACKOFF, trusted_proxies: ['127.0.0.1'] });
    await fail(3, '198.51.100.1');
    expectBackoff(await login(DEMO_PASSWORD, '198.51.100.1'), 1);
    await sleep(1100);
    await fail(1, '198.51.100.1');
    expectBackoff(await login(DEMO_PASSWORD, '198.51.100.1'), 2);
    await sleep(2100);
    expectStatus(await login(DEMO_PASSWORD, '198.51.100.1'), 200, undefined);
    // Success reset alice's count (4 failures before): one more failure does not lock her again.
    // (The address keeps its own count: a login to one's own account must not clear a sprayer's record.)
    await fail(1, '198.51.100.1');
    expectStatus(await login(DEMO_PASSWORD, '198.51.100.1'), 200, undefined);
  });

  it('locks an address that fails for many users, for every user, but not other addresses', async () => {
    await start({ login_backoff: BACKOFF, trusted_proxies: ['127.0.0.1'] });
    for (let i = 0; i < 6; i++) await fail(1, '198.51.100.7', `user${i}`);
    expectBackoff(await login(DEMO_PASSWORD, '198.51.100.7'), 1);
    expectBackoff(await login('x', '198.51.100.7', 'nobody'), 1);
    expectStatus(await login(DEMO_PASSWORD, '198.51.100.8'), 200, undefined);
  });

  it('gives a burst of parallel guesses no more answers than the same guesses one at a time', async () => {
    await start({ login_backoff: BACKOFF, trusted_proxies: ['127.0.0.1'] });
    // All 12 pass the first check together (none has failed yet); their passwords are checked in
    // parallel. Only the first 3 to finish may say "wrong": the rest finish after the lock began.
    const answers = await Promise.all(Array.from({ length: 12 }, () => login('wrong password', '198.51.100.40')));
    const counts = { invalid_credentials: 0, login_backoff: 0 } as Record<string, number>;
    for (const res of answers) counts[String(res.body?.error)]++;
    expect(counts).toEqual({ invalid_credentials: 3, login_backoff: 9 });
    // The withheld 9 did not count: the lock is the first one (1 s), as after 3 sequential failures.
    expectBackoff(await login(DEMO_PASSWORD, '198.51.100.40'), 1);
    // Next burst once the lock has ended: alice's own login from another address goes through
    // beside it; the burst again gets no more than 3 answers (3 if her success came first).
    await sleep(1100);
    const race = await Promise.all([login(DEMO_PASSWORD, '198.51.100.41'), ...Array.from({ length: 8 }, () => login('wrong password', '198.51.100.40'))]);
    expectStatus(race[0], 200, undefined);
    const burst = race.slice(1).map((res) => res.body?.error);
    expect(burst.filter((error) => error === 'invalid_credentials').length).toBeLessThanOrEqual(3);
    expect(burst.filter((error) => error === 'login_backoff').length).toBeGreaterThanOrEqual(5);
  });

  it('does not let a client choose its address with X-Forwarded-For unless the peer is a trusted proxy', async () => {
    await start({ login_backoff: BACKOFF });
    for (let i = 0; i < 3; i++) expectStatus(await login('wrong password', `198.51.100.${i}`), 401, 'invalid_credentials');
    expectBackoff(await login(DEMO_PASSWORD, '203.0.113.77'), 1);
    expectBackoff(await login(DEMO_PASSWORD), 1);
  });
});
