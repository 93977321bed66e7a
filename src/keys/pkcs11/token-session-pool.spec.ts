/**
 * The session pool's bounds, with a stand-in PKCS#11 library (no token needed): a call the token
 * never answers is a 503 key_unavailable after the time-out, not a hang; calls beyond the session
 * limit wait for a session (and time out too); a failure drops the connection and the next call,
 * after the reconnection interval, reconnects through a library reset.
 */
import type { Pkcs11Library } from './pkcs11-library';
import { KeyUnavailableError } from './key-unavailable-error';
import { TokenSessionPool } from './token-session-pool';

function fakeLibrary() {
  const calls: string[] = [];
  let sessions = 0;
  const library = {
    path: '/fake/libpkcs11.so',
    generation: 0,
    reset() {
      calls.push('reset');
      this.generation++;
    },
    api: {
      C_GetSlotList: () => [Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])],
      C_GetTokenInfo: () => ({ label: 'fake'.padEnd(32), maxSessionCount: 0 }),
      C_OpenSession: () => {
        calls.push('open');
        return Buffer.from([++sessions]);
      },
      C_Login: () => calls.push('login'),
      C_CloseSession: () => undefined,
    },
  };
  return { library: library as unknown as Pkcs11Library, calls };
}

const never = () => new Promise<Buffer>(() => undefined);

describe('TokenSessionPool', () => {
  it('turns a call the token never answers into a 503 key_unavailable after the time-out', async () => {
    const { library } = fakeLibrary();
    const pool = new TokenSessionPool(library, { label: 'fake' }, 'pin', 1);
    const started = Date.now();
    const error = await pool.run(50, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'key_unavailable', message: expect.stringContaining('did not answer within 50 ms') });
    expect(Date.now() - started).toBeLessThan(5000); // an upper bound against a hang
    expect(pool.calls).toEqual({ ok: 0, error: 0, timeout: 1 });
  });

  it('makes a call wait for a session beyond max_sessions, within the same time-out', async () => {
    const { library, calls } = fakeLibrary();
    const pool = new TokenSessionPool(library, { label: 'fake' }, 'pin', 1);
    let finish!: (value: Buffer) => void;
    const first = pool.run(1000, () => new Promise<Buffer>((resolve) => (finish = resolve)));
    const second = pool.run(50, async () => Buffer.from('second'));
    await expect(second).rejects.toMatchObject({ code: 'key_unavailable' });
    finish(Buffer.from('first'));
    await expect(first).resolves.toEqual(Buffer.from('first'));
    await expect(pool.run(50, async () => Buffer.from('third'))).resolves.toEqual(Buffer.from('third'));
    expect(calls.filter((call) => call === 'open')).toHaveLength(1);
  });

  it('drops the connection on a failure and reconnects (library reset, login) on a later call', async () => {
    const { library, calls } = fakeLibrary();
    const pool = new TokenSessionPool(library, { label: 'fake' }, 'pin', 2);
    await expect(pool.run(100, () => Promise.reject(new Error('CKR_DEVICE_REMOVED')))).rejects.toMatchObject({
      code: 'key_unavailable',
      message: expect.stringContaining('CKR_DEVICE_REMOVED'),
    });
    expect(pool.state).toBe('DOWN');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the reconnection interval
    await expect(pool.run(100, async () => Buffer.from('ok'))).resolves.toEqual(Buffer.from('ok'));
    expect(pool.state).toBe('UP');
    expect(calls).toEqual(['open', 'login', 'reset', 'open', 'login']);
    expect(pool.calls).toEqual({ ok: 1, error: 1, timeout: 0 });
  });

  it('never tries a refused PIN again (tokens lock a PIN after a few failures)', () => {
    const { library, calls } = fakeLibrary();
    const refuse = Object.assign(new Error('CKR_PIN_INCORRECT'), { code: 0xa0 });
    (library.api as unknown as { C_Login: () => void }).C_Login = () => {
      calls.push('login');
      throw refuse;
    };
    const pool = new TokenSessionPool(library, { label: 'fake' }, 'wrong', 1);
    expect(() => pool.connect()).toThrow('token "fake" refused the login: the PIN is wrong');
    expect(() => pool.connect()).toThrow('not tried again until the PIN changes');
    expect(pool.check()).toBe('DOWN');
    expect(calls.filter((call) => call === 'login')).toHaveLength(1);
  });

  it('names a token that is not there, with the labels present', () => {
    const { library } = fakeLibrary();
    const pool = new TokenSessionPool(library, { label: 'other' }, 'pin', 1);
    expect(() => pool.connect()).toThrow('no token labelled "other" in /fake/libpkcs11.so (tokens present: "fake")');
  });
});
