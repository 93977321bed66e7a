import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { RealmKey, StsInstanceContext, StsRealmContext } from '../../plugin-api/token-contract';
import { SqliteTokenStore } from '../../tokens/sqlite-token-store';
import { Sessions, SESSION_MEMORY_AFTER_EXPIRY_MS } from './sessions';

const T0 = 1_800_000_000_000;
let now = T0;
let root: string;
let store: SqliteTokenStore;
let sessions: Sessions;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const key: RealmKey = { kid: 'ec-1', use: 'sig', family: 'EC', curve: 'P-256', privateKey, publicKey };
const realm = { path: '/', keys: { get: (kid: string) => (kid === 'ec-1' ? key : undefined) } } as unknown as StsRealmContext;

function instance(path: string, session: Record<string, unknown>): StsInstanceContext {
  const settings = {
    session: { form: 'jwt', issuer: 'https://sts.test', audience: [], signature_algorithm: 'ES256', signing_key: 'ec-1', idle_timeout_seconds: 60, max_lifetime_seconds: 300, allowed_claims: [], ...session },
  };
  return { name: path.slice(1), path, settings } as unknown as StsInstanceContext;
}
const login = { authenticatedAt: new Date(T0 - 5000), authenticationMethods: ['x509'], acr: 'urn:acr:cert', attributes: { mail: 'a@example.com' } };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sts-sessions-'));
  store = new SqliteTokenStore(join(root, 'tokens.sqlite'));
  sessions = new Sessions(store, () => now);
});
beforeEach(() => {
  now = T0;
});
afterAll(async () => {
  await store.close();
  await rm(root, { recursive: true, force: true });
});

const target = (session: Record<string, unknown> = {}, path = '/default') => ({ realm, instance: instance(path, session) });

it('opens a session with the login facts, the idle expiry and the maximum, and remembers it past the maximum', async () => {
  const { token, record } = await sessions.open(target(), 'alice', login, { loa: 2 });
  expect(decodeJwt(token)).toEqual({ ...record.claims });
  expect(record).toMatchObject({
    instance: '/default', form: 'jwt', principal: 'alice', authTime: T0 - 5000, amr: ['x509'], acr: 'urn:acr:cert', attributes: { mail: 'a@example.com' },
    issuedAt: T0, idleExpiresAt: T0 + 60_000, maxExpiresAt: T0 + 300_000, keepUntil: T0 + 300_000 + SESSION_MEMORY_AFTER_EXPIRY_MS,
  });
  expect(record.claims).toMatchObject({ iss: 'https://sts.test', sub: 'alice', usage: 'session', loa: 2, auth_time: (T0 - 5000) / 1000, amr: ['x509'], acr: 'urn:acr:cert', iat: T0 / 1000, exp: (T0 + 300_000) / 1000 });
});

it('caps the idle expiry at the maximum lifetime, at opening and on every use', async () => {
  const { token, record } = await sessions.open(target({ idle_timeout_seconds: 200, max_lifetime_seconds: 250 }), 'alice', login, {});
  expect(record.idleExpiresAt).toBe(T0 + 200_000);
  now = T0 + 150_000;
  expect((await sessions.use(target({ idle_timeout_seconds: 200, max_lifetime_seconds: 250 }), token)).record.idleExpiresAt).toBe(T0 + 250_000);
  now = T0 + 250_000;
  await expect(sessions.use(target(), token)).rejects.toMatchObject({ status: 401, code: 'session_expired' });
});

it('tells idle timeout, expiry, logout and forgetting apart', async () => {
  const opaque = target({ form: 'opaque' });
  const idle = (await sessions.open(opaque, 'alice', login, {})).token;
  const ended = (await sessions.open(opaque, 'alice', login, {})).token;
  await sessions.end(opaque, ended);
  now = T0 + 60_000;
  await expect(sessions.inspect(opaque, idle)).rejects.toMatchObject({ code: 'session_idle_timeout' });
  await expect(sessions.inspect(opaque, ended)).rejects.toMatchObject({ code: 'session_cancelled' });
  now = T0 + 300_000;
  await expect(sessions.inspect(opaque, idle)).rejects.toMatchObject({ code: 'session_expired' });
  now = T0 + 300_000 + SESSION_MEMORY_AFTER_EXPIRY_MS;
  await expect(sessions.inspect(opaque, idle)).rejects.toMatchObject({ code: 'session_unknown' });
});

it('a forgotten session JWT is "expired" when its exp has passed (the signature still proves it was ours)', async () => {
  const { token } = await sessions.open(target(), 'alice', login, {});
  now = T0 + 300_000 + SESSION_MEMORY_AFTER_EXPIRY_MS;
  await expect(sessions.use(target(), token)).rejects.toMatchObject({ status: 401, code: 'session_expired' });
});

it('refuses a session of another instance before anything else, and garbage as unknown or forged', async () => {
  const { token } = await sessions.open(target(), 'alice', login, {});
  await expect(sessions.use(target({}, '/other'), token)).rejects.toMatchObject({ code: 'session_foreign' });
  await expect(sessions.use(target(), 'short')).rejects.toMatchObject({ code: 'session_unknown' });
  await expect(sessions.use(target(), 'a.b.c')).rejects.toMatchObject({ code: 'session_forged' });
  // A session JWT of this instance verified against the wrong issuer is not ours either.
  await expect(sessions.use(target({ issuer: 'https://elsewhere.test' }), token)).rejects.toMatchObject({ code: 'session_forged' });
});

it('a session ended between the look-up and the use is refused as cancelled', async () => {
  const opaque = target({ form: 'opaque' });
  const { token } = await sessions.open(opaque, 'alice', undefined, {});
  const touch = store.touchSession.bind(store);
  const spy = jest.spyOn(store, 'touchSession').mockImplementationOnce(async (hash, idle, at) => {
    await store.endSession(hash, at);
    return touch(hash, idle, at);
  });
  await expect(sessions.use(opaque, token)).rejects.toMatchObject({ code: 'session_cancelled' });
  spy.mockRestore();
});

it('without a store, every operation is a 500 token_store_missing', async () => {
  await expect(new Sessions(undefined).open(target(), 'alice', login, {})).rejects.toMatchObject({ status: 500, code: 'token_store_missing' });
});
