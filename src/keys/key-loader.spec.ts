import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyConfig } from '../realms/schema/key-config';
import { loadKey } from './key-loader';

describe('generated keys', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sts-key-loader-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const load = (config: Partial<KeyConfig>) =>
    loadKey({ kid: 'k1', use: 'sig', ...config } as KeyConfig, { configDir: dataDir, dataDir, env: {} });

  // Cluster workers start together and may all find the key missing: all must end up with one key.
  it('concurrent first loads of one generated asymmetric key return the same key, the one stored', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => load({ generate: { type: 'ec', curve: 'P-256' } })));

    const publicPems = keys.map((key) => key.publicKey!.export({ type: 'spki', format: 'pem' }));
    expect(new Set(publicPems).size).toBe(1);
    const again = await load({ generate: { type: 'ec', curve: 'P-256' } });
    expect(again.publicKey!.export({ type: 'spki', format: 'pem' })).toBe(publicPems[0]);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['k1.key.pem']);
  });

  it('concurrent first loads of one generated secret return the same secret, the one stored', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => load({ generate: { type: 'oct', size: 256 } })));

    const secrets = keys.map((key) => key.privateKey.export().toString('base64url'));
    expect(new Set(secrets).size).toBe(1);
    expect((await readFile(join(dataDir, 'keys', 'k1.secret'), 'utf8')).trim()).toBe(secrets[0]);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['k1.secret']);
  });
});
