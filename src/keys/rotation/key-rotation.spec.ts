import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { oidcInstance, rootRealm } from '../../../test/support/realm-fixtures';
import { writeConfigDir } from '../../../test/support/test-server';
import { ConfigError } from '../../realms/config-problem';
import { loadRealms } from '../../realms/realm-loader';
import { builtinTokenTypes } from '../../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../transform/token-type-registry';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
/** oidc lifetime 300 s + 300 s verifier skew (src/keys/token-lifetimes.ts). */
const LIFETIME_MS = 600_000;
const registry = new TokenTypeRegistry([builtinTokenTypes()]);
const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function rotatingRealm(rotation: object = { every_days: 30, prepublish_days: 5 }, extraKeys: object[] = []) {
  const realm = await rootRealm({
    keys: [{ kid: 'ring', use: 'sig', generate: { type: 'ec', curve: 'P-256' }, rotation }, ...extraKeys],
    instances: { default: oidcInstance('ES256', 'ring') },
  });
  const dir = await writeConfigDir({ root: realm });
  roots.push(dir.root);
  return dir;
}

async function at(dir: { configDir: string; dataDir: string }, time: number) {
  const set = await loadRealms({ ...dir, env: {}, registry, clock: () => time });
  const keys = set.realms[0].keys;
  return {
    signingKid: keys.get('ring')!.kid,
    publishedKids: keys.jwksAt(time).keys.map((k) => k.kid),
    publicJwk: (kid: string) => keys.jwksAt(time).keys.find((k) => k.kid === kid),
    nextEventAt: keys.nextKeyEventAt(),
  };
}

describe('automatic rotation of generated keys', () => {
  it('walks a key through pending -> active -> retired -> gone, persisting the ring under STS_DATA_DIR', async () => {
    const dir = await rotatingRealm();
    const first = await at(dir, START);
    expect(first).toMatchObject({ signingKid: 'ring.v1', publishedKids: ['ring.v1'] });
    expect(first.nextEventAt).toBe(START + 25 * DAY);
    const ringFile = join(dir.dataDir, 'keys', 'ring.ring.json');
    expect(JSON.parse(await readFile(ringFile, 'utf8')).versions).toEqual([{ n: 1, activates_at: new Date(START).toISOString() }]);

    // Five days before the period ends, v2 is published but v1 still signs.
    const prepublished = await at(dir, START + 25 * DAY);
    expect(prepublished).toMatchObject({ signingKid: 'ring.v1', publishedKids: ['ring.v1', 'ring.v2'] });

    // At the end of the period v2 signs; v1 stays published for tokens it signed.
    const rotated = await at(dir, START + 30 * DAY);
    expect(rotated).toMatchObject({ signingKid: 'ring.v2', publishedKids: ['ring.v1', 'ring.v2'] });
    expect(rotated.publicJwk('ring.v1')).toEqual(first.publicJwk('ring.v1'));

    // Once every v1 token has expired, v1 leaves the JWKS, the ring file and the disk.
    const pruned = await at(dir, START + 30 * DAY + LIFETIME_MS);
    expect(pruned).toMatchObject({ signingKid: 'ring.v2', publishedKids: ['ring.v2'] });
    expect(JSON.parse(await readFile(ringFile, 'utf8')).versions.map((v: { n: number }) => v.n)).toEqual([2]);
    expect(existsSync(join(dir.dataDir, 'keys', 'ring.v1.key.pem'))).toBe(false);
    expect(existsSync(join(dir.dataDir, 'keys', 'ring.v2.key.pem'))).toBe(true);
  });

  it('gives each version its own self-signed certificate, reused while the version lives and deleted with it', async () => {
    const dir = await rotatingRealm();
    const certificateOf = async (time: number, kid: string) => (await loadRealms({ ...dir, env: {}, registry, clock: () => time })).realms[0].keys.get(kid)!.certificate!;
    const v1 = await certificateOf(START, 'ring.v1');
    expect(v1.subject).toBe('CN=ring.v1');
    expect(Date.parse(v1.validFrom)).toBe(START - 5 * 60_000);

    const prepublished = START + 25 * DAY;
    const v2 = await certificateOf(prepublished, 'ring.v2');
    expect(v2.subject).toBe('CN=ring.v2');
    expect(Date.parse(v2.validFrom)).toBe(prepublished - 5 * 60_000);
    expect(v2.fingerprint256).not.toBe(v1.fingerprint256);
    const set = await loadRealms({ ...dir, env: {}, registry, clock: () => prepublished });
    expect(v2.checkPrivateKey(set.realms[0].keys.get('ring.v2')!.privateKey!)).toBe(true);
    expect((await certificateOf(START + 30 * DAY, 'ring.v1')).raw).toEqual(v1.raw);

    await at(dir, START + 30 * DAY + LIFETIME_MS);
    expect(existsSync(join(dir.dataDir, 'keys', 'ring.v1.crt.pem'))).toBe(false);
    expect((await readFile(join(dir.dataDir, 'keys', 'ring.v2.crt.pem'), 'utf8'))).toBe(v2.toString());
  });

  it('after downtime past the rotation date, the next version still gets its pre-publication time', async () => {
    const dir = await rotatingRealm();
    await at(dir, START);
    const late = START + 90 * DAY;
    const after = await at(dir, late);
    expect(after).toMatchObject({ signingKid: 'ring.v1', publishedKids: ['ring.v1', 'ring.v2'] });
    expect((await at(dir, late + 5 * DAY - 1)).signingKid).toBe('ring.v1');
    expect((await at(dir, late + 5 * DAY)).signingKid).toBe('ring.v2');
  });

  it('signs with the version that is active at the moment of signing, without a reload', async () => {
    const dir = await rotatingRealm();
    await at(dir, START);
    let now = START + 25 * DAY; // when the registry reloads for the next version
    const set = await loadRealms({ ...dir, env: {}, registry, clock: () => now });
    expect(set.realms[0].keys.get('ring')!.kid).toBe('ring.v1');
    now = START + 30 * DAY;
    expect(set.realms[0].keys.get('ring')!.kid).toBe('ring.v2');
  });

  it('finds a version by its own kid while it is published, so its tokens still verify', async () => {
    const dir = await rotatingRealm();
    await at(dir, START);
    await at(dir, START + 25 * DAY); // v2 is made and pre-published
    let now = START + 30 * DAY;
    const set = await loadRealms({ ...dir, env: {}, registry, clock: () => now });
    const keys = set.realms[0].keys;
    expect(keys.get('ring.v1')?.kid).toBe('ring.v1');
    expect(keys.get('ring.v2')?.kid).toBe('ring.v2');
    expect(keys.get('ring.v3')).toBeUndefined();
    now = START + 30 * DAY + LIFETIME_MS;
    expect(keys.get('ring.v1')).toBeUndefined();
  });

  it('defaults pre-publication to 7 days, or half the period when that is shorter', async () => {
    expect((await at(await rotatingRealm({ every_days: 30 }), START)).nextEventAt).toBe(START + 23 * DAY);
    expect((await at(await rotatingRealm({ every_days: 4 }), START)).nextEventAt).toBe(START + 2 * DAY);
  });

  async function refusal(dir: { configDir: string; dataDir: string }): Promise<ConfigError> {
    const error = await loadRealms({ ...dir, env: {}, registry, clock: () => START }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it.each([
    ['prepublish_days not shorter than every_days', { every_days: 2, prepublish_days: 2 }, 'keys[0].rotation.prepublish_days', /shorter than every_days/],
    ['every_days of 0', { every_days: 0 }, 'keys[0].rotation.every_days', /every_days must not be less than 1/],
  ])('refuses %s', async (_what, rotation, path, message) => {
    const error = await refusal(await rotatingRealm(rotation));
    expect(error.problems).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
  });

  it('refuses rotation on a key that is not generated, and rotation together with retired_at', async () => {
    const realm = await rootRealm({
      keys: [
        { kid: 'env-key', use: 'sig', secret_env: 'S', rotation: { every_days: 30 } },
        { kid: 'both', use: 'sig', generate: { type: 'oct' }, rotation: { every_days: 30 }, retired_at: '2026-01-01T00:00:00Z' },
      ],
      instances: { default: oidcInstance('HS256', 'both') },
    });
    const dir = await writeConfigDir({ root: realm });
    roots.push(dir.root);
    const error = await loadRealms({ ...dir, env: { S: 'x'.repeat(32) }, registry }).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'keys[0].rotation', message: expect.stringMatching(/only generated keys rotate/) }),
        expect.objectContaining({ path: 'keys[1].retired_at', message: expect.stringMatching(/rotating key retires its versions itself/) }),
      ]),
    );
  });

  it('refuses a kid that a rotating key reserves for its versions', async () => {
    const error = await refusal(await rotatingRealm(undefined, [{ kid: 'ring.v7', use: 'sig', generate: { type: 'ec' } }]));
    expect(error.problems).toContainEqual(expect.objectContaining({ path: 'keys[1].kid', message: expect.stringMatching(/reserved for versions of the rotating key "ring"/) }));
  });

  it('reports a damaged ring file with its path instead of starting a new ring silently', async () => {
    const dir = await rotatingRealm();
    await at(dir, START);
    await writeFile(join(dir.dataDir, 'keys', 'ring.ring.json'), '{"versions": "nope"}');
    const error = await refusal(dir);
    expect(error.problems).toContainEqual(expect.objectContaining({ path: 'keys[0].rotation', message: expect.stringMatching(/ring\.ring\.json is damaged/) }));
  });
});
