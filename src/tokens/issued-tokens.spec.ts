import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStsError } from '../errors/sts-errors';
import { STS_CONTRACT_VERSION, type TokenProvider } from '../plugin-api/token-contract';
import { LoadedInstance, type LoadedRealm } from '../realms/loaded-instance';
import type { InstanceConfig } from '../realms/schema/instance-config';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { IssuedTokens } from './issued-tokens';
import { SqliteTokenStore } from './sqlite-token-store';
import { tokenHash } from './token-hash';

const realm = { path: '/', file: 'test.yaml', settings: {}, identityStore: undefined, keys: {} } as unknown as LoadedRealm;

function instance(name: string, bindings: Partial<InstanceConfig> = {}): LoadedInstance {
  const settings = {
    supported_token_transforms: [{ from: 'IN', to: 'OUT' }],
    persist_issued_tokens: true,
    custom_token_validators: {},
    custom_token_providers: {},
    ...bindings,
  } as InstanceConfig;
  return new LoadedInstance(realm, name, settings);
}

describe('IssuedTokens', () => {
  let dir: string;
  let store: SqliteTokenStore;
  let now: number;
  let verified: boolean | (() => never);
  let issuedTokens: IssuedTokens;
  const registry = new TokenTypeRegistry([
    {
      name: 'builtin',
      contractVersion: STS_CONTRACT_VERSION,
      providers: {
        OUT: { createToken: () => 'unused', verifyIssuedToken: () => (typeof verified === 'function' ? verified() : verified) } as TokenProvider,
        PLAIN: { createToken: () => 'unused' },
      },
    },
  ]);
  const a = instance('a');
  const b = instance('b');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'issued-tokens-'));
    store = new SqliteTokenStore(join(dir, 'tokens.sqlite'));
    now = 1_800_000_000_000;
    verified = true;
    issuedTokens = new IssuedTokens(store, registry, { defaultLifetimeMs: 3_600_000, timeoutMs: 1000, clock: () => now });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records a hash, never the token, with the expiry the provider gave and its claims', async () => {
    const expiresAt = new Date(now + 60_000);
    await issuedTokens.record(a, 'OUT', 'alice', { token: 'secret-token', expiresAt, introspectionClaims: { iss: 'https://sts' } });
    expect(await store.findIssued(tokenHash('secret-token'), now)).toEqual({
      instance: '/a',
      tokenType: 'OUT',
      principal: 'alice',
      issuedAt: now,
      expiresAt: expiresAt.getTime(),
      claims: { iss: 'https://sts' },
    });
    expect(await store.findIssued('secret-token', now)).toBeUndefined();
  });

  it('keeps a token without expiry for the default lifetime', async () => {
    await issuedTokens.record(a, 'PLAIN', 'alice', { token: 't' });
    expect((await issuedTokens.lookup(a, 't'))?.expiresAt).toBe(now + 3_600_000);
    now += 3_600_000;
    expect(await issuedTokens.lookup(a, 't')).toBeUndefined();
  });

  it('finds a live token only for the instance and type that issued it', async () => {
    await issuedTokens.record(a, 'OUT', 'alice', { token: 't', expiresAt: new Date(now + 1000) });
    expect((await issuedTokens.lookup(a, 't', 'OUT'))?.principal).toBe('alice');
    expect((await issuedTokens.lookup(a, 't'))?.principal).toBe('alice');
    expect(await issuedTokens.lookup(b, 't')).toBeUndefined();
    expect(await issuedTokens.lookup(a, 't', 'PLAIN')).toBeUndefined();
    expect(await issuedTokens.lookup(a, 'other')).toBeUndefined();
  });

  it('treats an expired token as unknown', async () => {
    await issuedTokens.record(a, 'OUT', 'alice', { token: 't', expiresAt: new Date(now + 1000) });
    now += 1000;
    expect(await issuedTokens.lookup(a, 't')).toBeUndefined();
  });

  it('treats a token its provider no longer verifies as unknown', async () => {
    await issuedTokens.record(a, 'OUT', 'alice', { token: 't', expiresAt: new Date(now + 1000) });
    verified = false;
    expect(await issuedTokens.lookup(a, 't')).toBeUndefined();
  });

  it('turns a verifier crash into a 500, never a valid answer', async () => {
    await issuedTokens.record(a, 'OUT', 'alice', { token: 't', expiresAt: new Date(now + 1000) });
    verified = () => {
      throw new Error('boom');
    };
    const error = await issuedTokens.lookup(a, 't').catch((e: unknown) => e);
    expect(isStsError(error) && [error.status, error.code]).toEqual([500, 'token_validation_failed']);
  });

  it('forgets a token of its own instance once; another instance cannot cancel it', async () => {
    await issuedTokens.record(a, 'OUT', 'alice', { token: 't', expiresAt: new Date(now + 1000) });
    expect(await issuedTokens.forget(b, 't')).toBe(false);
    expect(await issuedTokens.forget(a, 't', { tokenType: 'PLAIN' })).toBe(false);
    expect(await issuedTokens.forget(a, 't', { tokenType: 'OUT' })).toBe(true);
    expect(await issuedTokens.forget(a, 't')).toBe(false);
    expect(await issuedTokens.lookup(a, 't')).toBeUndefined();
  });

  it('with a client: forgets only a token issued to that client, refuses another\'s with 400 unauthorized_client', async () => {
    await issuedTokens.record(a, 'OUT', 'alice', { token: 'mine', expiresAt: new Date(now + 1000), introspectionClaims: { client_id: 'app-1' } });
    await issuedTokens.record(a, 'OUT', 'alice', { token: 'nobodys', expiresAt: new Date(now + 1000) });
    for (const [token, clientId] of [['mine', 'app-2'], ['nobodys', 'app-1']]) {
      const error = await issuedTokens.forget(a, token, { clientId }).catch((e: unknown) => e);
      expect(isStsError(error) && [error.status, error.code]).toEqual([400, 'unauthorized_client']);
      expect(await issuedTokens.lookup(a, token)).toBeDefined();
    }
    expect(await issuedTokens.forget(a, 'unknown', { clientId: 'app-2' })).toBe(false);
    expect(await issuedTokens.forget(a, 'mine', { clientId: 'app-1' })).toBe(true);
    expect(await issuedTokens.lookup(a, 'mine')).toBeUndefined();
  });

  it('answers 503 plugin_unavailable for a token whose plugin is not loaded', async () => {
    const bound = instance('c', { custom_token_providers: { OUT: 'gone' } });
    await issuedTokens.record(bound, 'OUT', 'alice', { token: 't', expiresAt: new Date(now + 1000) });
    const error = await issuedTokens.lookup(bound, 't').catch((e: unknown) => e);
    expect(isStsError(error) && [error.status, error.code]).toEqual([503, 'plugin_unavailable']);
  });
});
