/**
 * The behaviour every TokenStore must show, run against each implementation (SQLite, Redis) so
 * the two cannot drift apart. `makeStore` opens a NEW store on the SAME backend each call (the
 * same file, the same Redis), which is how the suite checks persistence and sharing between
 * nodes; tests use fresh random keys, so they do not see each other's entries.
 */
import { randomUUID } from 'node:crypto';
import { TokenStoreUnavailableError } from '../../src/errors/sts-errors';
import type { IssuedTokenRecord, TokenStore } from '../../src/tokens/token-store';

export type TokenStoreMaker = () => TokenStore | Promise<TokenStore>;

const MINUTE = 60_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A unique hash or key, so tests sharing one backend never collide. */
export function uniqueKey(label: string): string {
  return `${label}-${randomUUID()}`;
}

export function issuedRecord(overrides: Partial<IssuedTokenRecord> = {}): IssuedTokenRecord {
  const now = Date.now();
  return {
    instance: '/eu/fr/partners',
    tokenType: 'OPENIDCONNECT',
    principal: 'alice',
    issuedAt: now,
    expiresAt: now + 10 * MINUTE,
    claims: { iss: 'https://sts.example', aud: ['a', 'b'], scope: 'openid profile', n: 3, ok: true, nested: { x: null } },
    ...overrides,
  };
}

/** Asserts `operation` rejects with the store's 503 and returns the error. */
export async function expectUnavailable(operation: Promise<unknown>): Promise<TokenStoreUnavailableError> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenStoreUnavailableError);
  expect(error).toMatchObject({ status: 503, code: 'token_store_unavailable' });
  return error as TokenStoreUnavailableError;
}

export function describeTokenStoreContract(name: string, makeStore: TokenStoreMaker): void {
  describe(`${name}: TokenStore contract`, () => {
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

    describe('issued tokens', () => {
      it('finds a saved record, claims included', async () => {
        const hash = uniqueKey('h');
        const record = issuedRecord();
        await store.saveIssued(hash, record);
        expect(await store.findIssued(hash, Date.now())).toEqual(record);
      });

      it('keeps a record without claims without inventing any', async () => {
        const hash = uniqueKey('h');
        const { claims: _omitted, ...record } = issuedRecord();
        await store.saveIssued(hash, record);
        const found = await store.findIssued(hash, Date.now());
        expect(found).toEqual(record);
        expect(found).not.toHaveProperty('claims');
      });

      it('answers undefined for an unknown hash', async () => {
        expect(await store.findIssued(uniqueKey('unknown'), Date.now())).toBeUndefined();
      });

      it('replaces the record when the same hash is saved again', async () => {
        const hash = uniqueKey('h');
        await store.saveIssued(hash, issuedRecord({ principal: 'alice' }));
        await store.saveIssued(hash, issuedRecord({ principal: 'bob', claims: { jti: 'x' } }));
        expect(await store.findIssued(hash, Date.now())).toMatchObject({ principal: 'bob', claims: { jti: 'x' } });
      });

      it('does not find a record at or after its expiry (caller clock)', async () => {
        const hash = uniqueKey('h');
        const record = issuedRecord();
        await store.saveIssued(hash, record);
        expect(await store.findIssued(hash, record.expiresAt - 1)).toEqual(record);
        expect(await store.findIssued(hash, record.expiresAt)).toBeUndefined();
        expect(await store.findIssued(hash, record.expiresAt + MINUTE)).toBeUndefined();
      });

      it('does not find a record once its expiry has passed in real time', async () => {
        const hash = uniqueKey('h');
        await store.saveIssued(hash, issuedRecord({ expiresAt: Date.now() + 150 }));
        expect(await store.findIssued(hash, Date.now())).toBeDefined();
        await sleep(250);
        expect(await store.findIssued(hash, Date.now())).toBeUndefined();
      });

      it('removeIssued answers true for a live record, then false; the record is gone', async () => {
        const hash = uniqueKey('h');
        await store.saveIssued(hash, issuedRecord());
        expect(await store.removeIssued(hash, Date.now())).toBe(true);
        expect(await store.findIssued(hash, Date.now())).toBeUndefined();
        expect(await store.removeIssued(hash, Date.now())).toBe(false);
      });

      it('removeIssued answers false for an unknown or an expired record', async () => {
        expect(await store.removeIssued(uniqueKey('unknown'), Date.now())).toBe(false);
        const hash = uniqueKey('h');
        const record = issuedRecord();
        await store.saveIssued(hash, record);
        expect(await store.removeIssued(hash, record.expiresAt + 1)).toBe(false);
      });
    });

    describe('replay cache (firstUse)', () => {
      it('answers true the first time and false for a replay', async () => {
        const key = uniqueKey('k');
        const expiresAt = Date.now() + 10 * MINUTE;
        expect(await store.firstUse(key, expiresAt, Date.now())).toBe(true);
        expect(await store.firstUse(key, expiresAt, Date.now())).toBe(false);
        expect(await store.firstUse(key, expiresAt + MINUTE, Date.now())).toBe(false);
      });

      it('keeps keys apart', async () => {
        const expiresAt = Date.now() + 10 * MINUTE;
        expect(await store.firstUse(uniqueKey('a'), expiresAt, Date.now())).toBe(true);
        expect(await store.firstUse(uniqueKey('b'), expiresAt, Date.now())).toBe(true);
      });

      it('answers true again once the key has expired', async () => {
        const key = uniqueKey('k');
        expect(await store.firstUse(key, Date.now() + 150, Date.now())).toBe(true);
        expect(await store.firstUse(key, Date.now() + MINUTE, Date.now())).toBe(false);
        await sleep(250);
        expect(await store.firstUse(key, Date.now() + MINUTE, Date.now())).toBe(true);
        expect(await store.firstUse(key, Date.now() + MINUTE, Date.now())).toBe(false);
      });

      it('lets exactly one of two stores on the same backend win each key', async () => {
        const other = await open();
        const expiresAt = Date.now() + 10 * MINUTE;
        const keys = Array.from({ length: 25 }, () => uniqueKey('race'));
        const results = await Promise.all(
          keys.map((key) => Promise.all([store.firstUse(key, expiresAt, Date.now()), other.firstUse(key, expiresAt, Date.now())])),
        );
        for (const pair of results) expect(pair.filter(Boolean)).toHaveLength(1);
        // The key a race settled is a replay for both stores afterwards.
        expect(await other.firstUse(keys[0], expiresAt, Date.now())).toBe(false);
        expect(await store.firstUse(keys[0], expiresAt, Date.now())).toBe(false);
      });
    });

    describe('maintenance', () => {
      it('purgeExpired removes what expired and keeps what is live', async () => {
        const now = Date.now();
        const live = uniqueKey('live');
        const dead = uniqueKey('dead');
        const liveKey = uniqueKey('k-live');
        await store.saveIssued(live, issuedRecord({ expiresAt: now + 20 * MINUTE }));
        await store.saveIssued(dead, issuedRecord({ expiresAt: now + 5 * MINUTE }));
        await store.firstUse(liveKey, now + 20 * MINUTE, now);
        const later = now + 10 * MINUTE;

        expect(await store.purgeExpired(later)).toBeGreaterThanOrEqual(0);

        expect(await store.findIssued(dead, later)).toBeUndefined();
        expect(await store.findIssued(live, later)).toBeDefined();
        expect(await store.firstUse(liveKey, now + 20 * MINUTE, later)).toBe(false);
      });

      it('ping resolves while the backend answers', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('keeps records and replay keys across close and reopen', async () => {
        const hash = uniqueKey('h');
        const key = uniqueKey('k');
        const record = issuedRecord();
        await store.saveIssued(hash, record);
        await store.firstUse(key, record.expiresAt, Date.now());
        await store.close();

        const reopened = await open();
        expect(await reopened.findIssued(hash, Date.now())).toEqual(record);
        expect(await reopened.firstUse(key, record.expiresAt, Date.now())).toBe(false);
      });

      it('fails every call with TokenStoreUnavailableError (503) once closed, and closes twice quietly', async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
        const now = Date.now();
        await expectUnavailable(store.saveIssued(uniqueKey('h'), issuedRecord()));
        await expectUnavailable(store.findIssued(uniqueKey('h'), now));
        await expectUnavailable(store.removeIssued(uniqueKey('h'), now));
        await expectUnavailable(store.firstUse(uniqueKey('k'), now + MINUTE, now));
        await expectUnavailable(store.ping());
      });
    });
  });
}
