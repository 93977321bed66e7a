/**
 * The session part of the TokenStore contract, run against SQLite and Redis. `makeStore` opens a
 * NEW store on the SAME backend each call, so a second store plays a second node.
 */
import type { SessionRecord, TokenStore } from '../../src/tokens/token-store';
import { expectUnavailable, sleep, uniqueKey, type TokenStoreMaker } from './token-store-contract';

const MINUTE = 60_000;

export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    instance: '/eu/partners',
    form: 'jwt',
    principal: 'alice',
    authTime: now - MINUTE,
    amr: ['pwd'],
    acr: 'urn:acr:pwd',
    attributes: { mail: 'alice@example.com', groups: ['a', 'b'], empty: [] },
    claims: { sub: 'alice', usage: 'session', jti: 'j1', n: 1, nested: { x: null } },
    issuedAt: now,
    idleExpiresAt: now + 5 * MINUTE,
    maxExpiresAt: now + 30 * MINUTE,
    keepUntil: now + 90 * MINUTE,
    ...overrides,
  };
}

export function describeSessionStoreContract(name: string, makeStore: TokenStoreMaker): void {
  describe(`${name}: sessions`, () => {
    const opened: TokenStore[] = [];
    const open = async (): Promise<TokenStore> => {
      const store = await makeStore();
      opened.push(store);
      return store;
    };
    let store: TokenStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('finds a saved session exactly as saved (empty arrays and nested values included)', async () => {
      const hash = uniqueKey('s');
      const record = sessionRecord();
      await store.saveSession(hash, record);
      expect(await store.findSession(hash, Date.now())).toEqual(record);
    });

    it('keeps a session without acr without inventing one', async () => {
      const hash = uniqueKey('s');
      const { acr: _none, ...record } = sessionRecord();
      await store.saveSession(hash, record);
      const found = await store.findSession(hash, Date.now());
      expect(found).toEqual(record);
      expect(found).not.toHaveProperty('acr');
      expect(found).not.toHaveProperty('endedAt');
    });

    it('answers undefined for an unknown hash, and for any hash after keepUntil', async () => {
      expect(await store.findSession(uniqueKey('unknown'), Date.now())).toBeUndefined();
      const hash = uniqueKey('s');
      const record = sessionRecord();
      await store.saveSession(hash, record);
      expect(await store.findSession(hash, record.keepUntil - 1)).toBeDefined();
      expect(await store.findSession(hash, record.keepUntil)).toBeUndefined();
    });

    it('forgets a session once keepUntil has passed in real time', async () => {
      const hash = uniqueKey('s');
      const now = Date.now();
      await store.saveSession(hash, sessionRecord({ idleExpiresAt: now + 50, maxExpiresAt: now + 100, keepUntil: now + 150 }));
      await sleep(250);
      expect(await store.findSession(hash, Date.now())).toBeUndefined();
    });

    it('still finds an idle-timed-out or expired session before keepUntil (so it can be told apart)', async () => {
      const hash = uniqueKey('s');
      const record = sessionRecord();
      await store.saveSession(hash, record);
      expect(await store.findSession(hash, record.maxExpiresAt + 1)).toEqual(record);
    });

    it('touchSession moves the idle expiry of a live session, capped at its maximum', async () => {
      const hash = uniqueKey('s');
      const record = sessionRecord();
      await store.saveSession(hash, record);
      const moved = await store.touchSession(hash, record.idleExpiresAt + MINUTE, Date.now());
      expect(moved).toEqual({ ...record, idleExpiresAt: record.idleExpiresAt + MINUTE });
      const capped = await store.touchSession(hash, record.maxExpiresAt + MINUTE, Date.now());
      expect(capped?.idleExpiresAt).toBe(record.maxExpiresAt);
      expect((await store.findSession(hash, Date.now()))?.idleExpiresAt).toBe(record.maxExpiresAt);
    });

    it('touchSession does nothing to an unknown, idle-timed-out, expired or ended session', async () => {
      const record = sessionRecord();
      expect(await store.touchSession(uniqueKey('unknown'), record.maxExpiresAt, Date.now())).toBeUndefined();
      const idle = uniqueKey('idle');
      await store.saveSession(idle, record);
      expect(await store.touchSession(idle, record.maxExpiresAt, record.idleExpiresAt)).toBeUndefined();
      expect(await store.findSession(idle, Date.now())).toEqual(record);
      const expired = uniqueKey('expired');
      await store.saveSession(expired, sessionRecord({ idleExpiresAt: record.maxExpiresAt }));
      expect(await store.touchSession(expired, record.maxExpiresAt, record.maxExpiresAt)).toBeUndefined();
      const ended = uniqueKey('ended');
      await store.saveSession(ended, sessionRecord({ endedAt: Date.now() }));
      expect(await store.touchSession(ended, record.maxExpiresAt, Date.now())).toBeUndefined();
    });

    it('endSession ends a live session once, and the end is seen by another store on the same backend', async () => {
      const other = await open();
      const hash = uniqueKey('s');
      const record = sessionRecord();
      await store.saveSession(hash, record);
      const now = Date.now();
      expect(await store.endSession(hash, now)).toEqual({ ...record, endedAt: now });
      expect(await other.endSession(hash, now + 1)).toBeUndefined();
      expect(await other.findSession(hash, now + 1)).toEqual({ ...record, endedAt: now });
      expect(await other.touchSession(hash, record.maxExpiresAt, now + 1)).toBeUndefined();
    });

    it('endSession answers undefined for an unknown or idle-timed-out session', async () => {
      expect(await store.endSession(uniqueKey('unknown'), Date.now())).toBeUndefined();
      const hash = uniqueKey('s');
      const record = sessionRecord();
      await store.saveSession(hash, record);
      expect(await store.endSession(hash, record.idleExpiresAt)).toBeUndefined();
    });

    it('lets exactly one of two stores end a session racing', async () => {
      const other = await open();
      const hashes = Array.from({ length: 10 }, () => uniqueKey('race'));
      for (const hash of hashes) await store.saveSession(hash, sessionRecord());
      const results = await Promise.all(hashes.map((hash) => Promise.all([store.endSession(hash, Date.now()), other.endSession(hash, Date.now())])));
      for (const pair of results) expect(pair.filter(Boolean)).toHaveLength(1);
    });

    it('purgeExpired removes sessions past keepUntil and keeps the others', async () => {
      const now = Date.now();
      const gone = uniqueKey('gone');
      const kept = uniqueKey('kept');
      await store.saveSession(gone, sessionRecord({ keepUntil: now + 5 * MINUTE }));
      await store.saveSession(kept, sessionRecord({ keepUntil: now + 20 * MINUTE }));
      const later = now + 10 * MINUTE;
      expect(await store.purgeExpired(later)).toBeGreaterThanOrEqual(0);
      expect(await store.findSession(gone, later)).toBeUndefined();
      expect(await store.findSession(kept, later)).toBeDefined();
    });

    it('lists the tokens linked to a session until each expires, and keeps sessions apart', async () => {
      const other = await open();
      const session = uniqueKey('s');
      const now = Date.now();
      await store.linkSessionToken(session, 'short', now + 5 * MINUTE);
      await store.linkSessionToken(session, 'long', now + 20 * MINUTE);
      await other.linkSessionToken(session, 'short', now + 1 * MINUTE); // never shortens
      await store.linkSessionToken(uniqueKey('another'), 'elsewhere', now + 20 * MINUTE);
      expect((await other.sessionTokens(session, now)).sort()).toEqual(['long', 'short']);
      expect(await store.sessionTokens(session, now + 10 * MINUTE)).toEqual(['long']);
      expect(await store.sessionTokens(uniqueKey('none'), now)).toEqual([]);
    });

    it('forgets linked tokens once they have expired in real time', async () => {
      const session = uniqueKey('s');
      await store.linkSessionToken(session, 'brief', Date.now() + 150);
      expect(await store.sessionTokens(session, Date.now())).toEqual(['brief']);
      await sleep(250);
      expect(await store.sessionTokens(session, Date.now())).toEqual([]);
    });

    it('fails every session call with the 503 once closed', async () => {
      await store.close();
      const now = Date.now();
      await expectUnavailable(store.saveSession(uniqueKey('s'), sessionRecord()));
      await expectUnavailable(store.findSession(uniqueKey('s'), now));
      await expectUnavailable(store.touchSession(uniqueKey('s'), now + MINUTE, now));
      await expectUnavailable(store.endSession(uniqueKey('s'), now));
      await expectUnavailable(store.linkSessionToken(uniqueKey('s'), 'h', now + MINUTE));
      await expectUnavailable(store.sessionTokens(uniqueKey('s'), now));
    });
  });
}
