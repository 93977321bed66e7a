/**
 * Rotating keys shared through Redis: two nodes (each its own data directory and Redis client)
 * on one redis-server agree on the ring, the material and the certificates, rotate together,
 * and refuse to share without the same key-wrapping key.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { oidcInstance, rootRealm } from '../../../test/support/realm-fixtures';
import { startRedisServer, stopAllRedisServers, type RedisTestServer } from '../../../test/support/redis-server';
import { writeConfigDir } from '../../../test/support/test-server';
import { ConfigError } from '../../realms/config-problem';
import { loadRealms } from '../../realms/realm-loader';
import type { RedisBackendSettings } from '../../server-config/server-config';
import { builtinTokenTypes } from '../../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../transform/token-type-registry';
import { SHARED_RING_RECHECK_MS } from './key-ring-store';
import { SharedKeyRings } from './shared-key-rings';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const registry = new TokenTypeRegistry([builtinTokenTypes()]);
const WRAPPING_KEY = randomBytes(32);

let redis: RedisTestServer;
const roots: string[] = [];
const rings: SharedKeyRings[] = [];
let prefixCounter = 0;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(rings.map((ring) => ring.close()));
  await redis?.stop();
  stopAllRedisServers();
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

function backend(prefix: string, overrides: Partial<RedisBackendSettings> = {}): RedisBackendSettings {
  return { type: 'redis', url: redis.url, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 1000, waitForReplicas: 0, waitTimeoutMs: 500, keyWrappingKey: WRAPPING_KEY, ...overrides };
}

/** One configuration, and a node factory: each node has its own data directory and Redis client. */
async function cluster(generate: object = { type: 'ec', curve: 'P-256' }) {
  const realm = await rootRealm({
    keys: [{ kid: 'ring', use: 'sig', generate, rotation: { every_days: 30, prepublish_days: 5 } }],
    instances: { default: oidcInstance((generate as { type: string }).type === 'oct' ? 'HS256' : 'ES256', 'ring') },
  });
  const dir = await writeConfigDir({ root: realm });
  roots.push(dir.root);
  const prefix = `ring-test-${++prefixCounter}:`;
  const node = async (overrides: Partial<RedisBackendSettings> = {}) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sts-node-data-'));
    roots.push(dataDir);
    const sharedKeyRings = new SharedKeyRings(backend(prefix, overrides));
    rings.push(sharedKeyRings);
    const at = async (time: number) => {
      const set = await loadRealms({ configDir: dir.configDir, dataDir, env: {}, registry, clock: () => time, sharedKeyRings });
      const keys = set.realms[0].keys;
      return { keys, signing: keys.get('ring')!, jwks: keys.jwksAt(time), nextEventAt: keys.nextKeyEventAt() };
    };
    return { dataDir, at };
  };
  return { prefix, node, configDir: dir.configDir };
}

async function refusal(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems.map(({ path, message }) => ({ path, message }));
}

describe('rotating keys shared through Redis', () => {
  it('gives two nodes started together one ring, one key and one certificate: a token signed on one verifies with the other\'s JWKS', async () => {
    const { node, prefix } = await cluster();
    const [a, b] = [await node(), await node()];
    const [onA, onB] = await Promise.all([a.at(START), b.at(START)]);
    expect(onA.signing.kid).toBe('ring.v1');
    expect(onB.signing.kid).toBe('ring.v1');
    expect(onB.jwks).toEqual(onA.jwks);
    expect(onA.signing.certificate).toBeDefined();
    expect(onB.signing.certificate!.raw).toEqual(onA.signing.certificate!.raw);

    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256', kid: onA.signing.kid }).setIssuedAt().sign(onA.signing.privateKey!);
    const verified = await jwtVerify(token, createLocalJWKSet(onB.jwks as Parameters<typeof createLocalJWKSet>[0]));
    expect(verified.payload.sub).toBe('alice');

    // Each node has the material in its own data directory; Redis holds it only wrapped.
    const pemA = await readFile(join(a.dataDir, 'keys', 'ring.v1.key.pem'), 'utf8');
    expect(await readFile(join(b.dataDir, 'keys', 'ring.v1.key.pem'), 'utf8')).toBe(pemA);
    const client = new Redis(redis.port, '127.0.0.1');
    try {
      const stored = await client.get(`${prefix}{keyring:ring}:ring.v1`);
      expect(stored).toMatch(/"key":"a256gcm\./);
      expect(stored).not.toContain('PRIVATE KEY');
      expect(stored).not.toContain(pemA.split('\n')[1]);
    } finally {
      client.disconnect();
    }
  });

  it('rotates both nodes together: the node that reaches the due date makes the version, the other adopts it', async () => {
    const { node, prefix } = await cluster();
    const [a, b] = [await node(), await node()];
    await a.at(START);
    expect((await b.at(START)).nextEventAt).toBe(START + SHARED_RING_RECHECK_MS);

    // A moves the ring on at pre-publication; B, reading the ring again, publishes the same v2.
    const prepublishedA = await a.at(START + 25 * DAY);
    const prepublishedB = await b.at(START + 25 * DAY + 60_000);
    expect(prepublishedA.jwks.keys.map((k) => k.kid)).toEqual(['ring.v1', 'ring.v2']);
    expect(prepublishedB.jwks).toEqual(prepublishedA.jwks);
    expect(prepublishedB.signing.kid).toBe('ring.v1');

    const [rotatedA, rotatedB] = await Promise.all([a.at(START + 30 * DAY), b.at(START + 30 * DAY)]);
    expect(rotatedA.signing.kid).toBe('ring.v2');
    expect(rotatedB.signing.kid).toBe('ring.v2');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'ring.v2' }).sign(rotatedB.signing.privateKey!);
    await expect(jwtVerify(token, createLocalJWKSet(rotatedA.jwks as Parameters<typeof createLocalJWKSet>[0]))).resolves.toBeDefined();

    // Once v1's tokens have expired (oidc 300 s + 300 s skew), it leaves Redis and both data directories.
    const pruneAt = START + 30 * DAY + 600_000;
    await a.at(pruneAt);
    expect((await b.at(pruneAt)).jwks.keys.map((k) => k.kid)).toEqual(['ring.v2']);
    for (const n of [a, b]) expect(existsSync(join(n.dataDir, 'keys', 'ring.v1.key.pem'))).toBe(false);
    const client = new Redis(redis.port, '127.0.0.1');
    try {
      expect(await client.exists(`${prefix}{keyring:ring}:ring.v1`, `${prefix}{keyring:ring}:ring.v2`)).toBe(1);
    } finally {
      client.disconnect();
    }
  });

  it('agrees when both nodes reach the due date at the same moment (compare-and-set)', async () => {
    const { node } = await cluster({ type: 'oct' });
    const nodes = await Promise.all([node(), node(), node()]);
    await Promise.all(nodes.map((n) => n.at(START)));
    const due = await Promise.all(nodes.map((n) => n.at(START + 25 * DAY)));
    const secrets = await Promise.all(nodes.map((n) => readFile(join(n.dataDir, 'keys', 'ring.v2.secret'), 'utf8')));
    expect(new Set(secrets).size).toBe(1);
    for (const loaded of due) expect(loaded.keys.get('ring.v2')!.privateKey!.export()).toEqual(due[0].keys.get('ring.v2')!.privateKey!.export());
  });

  it('carries over the ring and keys a node already had in its data directory', async () => {
    const realm = await rootRealm({ keys: [{ kid: 'ring', use: 'sig', generate: { type: 'ec' }, rotation: { every_days: 30 } }], instances: { default: oidcInstance('ES256', 'ring') } });
    const dir = await writeConfigDir({ root: realm });
    roots.push(dir.root);
    const before = await loadRealms({ ...dir, env: {}, registry, clock: () => START });
    const sharedKeyRings = new SharedKeyRings(backend(`ring-test-${++prefixCounter}:`));
    rings.push(sharedKeyRings);
    const after = await loadRealms({ ...dir, env: {}, registry, clock: () => START + DAY, sharedKeyRings });
    expect(after.realms[0].keys.jwksAt(START + DAY)).toEqual(before.realms[0].keys.jwksAt(START));
  });

  it('refuses to share a rotating key without a key-wrapping key, naming the server.yaml key', async () => {
    const { node } = await cluster();
    const n = await node({ keyWrappingKey: undefined });
    expect(await refusal(n.at(START))).toEqual([
      { path: 'keys[0].rotation', message: expect.stringMatching(/rotating keys are shared through Redis.*set token_store\.redis\.key_wrapping_key_env in server\.yaml/) },
    ]);
  });

  it('refuses material wrapped under another node\'s key-wrapping key', async () => {
    const { node } = await cluster();
    await (await node()).at(START);
    const other = await node({ keyWrappingKey: randomBytes(32) });
    expect(await refusal(other.at(START))).toEqual([
      { path: 'keys[0].rotation', message: 'the key "ring.v1" in Redis (127.0.0.1:' + redis.port + '/0) was wrapped under another key-wrapping key; every node needs the same one' },
    ]);
  });

  it('reports a damaged shared ring and an unreachable Redis on the key instead of starting a new ring', async () => {
    const { node, prefix, configDir } = await cluster();
    const n = await node();
    await n.at(START);
    const client = new Redis(redis.port, '127.0.0.1');
    try {
      await client.set(`${prefix}{keyring:ring}:ring`, '{"versions":"nope"}');
    } finally {
      client.disconnect();
    }
    expect(await refusal(n.at(START))).toEqual([{ path: 'keys[0].rotation', message: expect.stringMatching(/the ring of "ring" in Redis \(127\.0\.0\.1:\d+\/0\) is damaged/) }]);

    const unreachable = new SharedKeyRings({ ...backend(prefix), url: 'redis://127.0.0.1:1/0', connectTimeoutMs: 300 });
    rings.push(unreachable);
    const problems = await refusal(loadRealms({ configDir, dataDir: n.dataDir, env: {}, registry, clock: () => START, sharedKeyRings: unreachable }));
    expect(problems).toEqual([{ path: 'keys[0].rotation', message: expect.stringMatching(/^cannot read or store the shared key ring in Redis \(127\.0\.0\.1:1\/0\): /) }]);
  });
});
