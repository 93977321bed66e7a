import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeSessionStoreContract } from '../../test/support/session-store-contract';
import { describeTokenStoreContract, expectUnavailable, issuedRecord, uniqueKey } from '../../test/support/token-store-contract';
import { SqliteTokenStore } from './sqlite-token-store';

let root: string;
let file: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sts-sqlite-'));
  file = join(root, 'data', 'nested', 'tokens.sqlite');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeTokenStoreContract('SqliteTokenStore', () => new SqliteTokenStore(file));
describeSessionStoreContract('SqliteTokenStore', () => new SqliteTokenStore(file));

describe('SqliteTokenStore', () => {
  it('creates a private directory and file, in WAL mode with synchronous NORMAL', async () => {
    const own = join(root, 'fresh', 'dir', 'tokens.sqlite');
    const store = new SqliteTokenStore(own);
    await store.saveIssued(uniqueKey('h'), issuedRecord());
    await store.close();

    expect((await stat(join(root, 'fresh', 'dir'))).mode & 0o777).toBe(0o700);
    expect((await stat(own)).mode & 0o777).toBe(0o600);
    const db = new Database(own, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT count(*) AS n FROM issued_tokens').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('purgeExpired deletes expired records and replay keys and counts them', async () => {
    const store = new SqliteTokenStore(join(root, 'purge.sqlite'));
    try {
      const now = Date.now();
      await store.saveIssued('dead-1', issuedRecord({ expiresAt: now - 1 }));
      await store.saveIssued('dead-2', issuedRecord({ expiresAt: now }));
      await store.saveIssued('live', issuedRecord({ expiresAt: now + 60_000 }));
      await store.firstUse('dead-key', now + 10, now);
      await store.firstUse('live-key', now + 60_000, now);

      expect(await store.purgeExpired(now + 10)).toBe(3);
      expect(await store.purgeExpired(now + 10)).toBe(0);
      expect(await store.findIssued('live', now + 10)).toBeDefined();
    } finally {
      await store.close();
    }
  });

  describe('backend faults become TokenStoreUnavailableError (503 token_store_unavailable)', () => {
    it('a file that cannot be opened (the path is a directory)', async () => {
      const directory = join(root, 'is-a-directory');
      await mkdir(directory, { recursive: true });
      const error = await expectUnavailable(Promise.resolve().then(() => new SqliteTokenStore(directory)));
      expect(error.cause).toMatchObject({ code: 'EISDIR' });
    });

    it('a directory that cannot be created (a file is in the way)', async () => {
      const blocker = join(root, 'blocker');
      await writeFile(blocker, '');
      const error = await expectUnavailable(Promise.resolve().then(() => new SqliteTokenStore(join(blocker, 'tokens.sqlite'))));
      expect(error.cause).toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    });

    it('a file that is not a SQLite database', async () => {
      const garbage = join(root, 'garbage.sqlite');
      await writeFile(garbage, 'this is not a database, just text long enough to have a header'.repeat(20));
      const error = await expectUnavailable(Promise.resolve().then(() => new SqliteTokenStore(garbage)));
      expect(error.cause).toMatchObject({ code: 'SQLITE_NOTADB' });
    });

    it('a write lock held too long by another process (SQLITE_BUSY)', async () => {
      const shared = join(root, 'busy.sqlite');
      const store = new SqliteTokenStore(shared, { busyTimeoutMs: 50 });
      const other = new Database(shared);
      try {
        other.exec('BEGIN EXCLUSIVE');
        const now = Date.now();
        const started = Date.now();
        const error = await expectUnavailable(store.saveIssued(uniqueKey('h'), issuedRecord()));
        expect(error.cause).toMatchObject({ code: 'SQLITE_BUSY' });
        await expectUnavailable(store.firstUse(uniqueKey('k'), now + 60_000, now));
        expect(Date.now() - started).toBeLessThan(2000);

        other.exec('COMMIT');
        expect(await store.firstUse(uniqueKey('k'), now + 60_000, now)).toBe(true);
      } finally {
        other.close();
        await store.close();
      }
    });
  });
});
