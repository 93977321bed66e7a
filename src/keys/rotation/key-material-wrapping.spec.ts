import { randomBytes } from 'node:crypto';
import { unwrapKeyMaterial, wrapKeyMaterial } from './key-material-wrapping';

const key = randomBytes(32);
const pem = '-----BEGIN PRIVATE KEY-----\nthrow-away\n-----END PRIVATE KEY-----\n';

describe('wrapping rotating keys for the shared store', () => {
  it('unwraps what it wrapped, and never stores the material in the clear or twice the same way', () => {
    const wrapped = wrapKeyMaterial(key, 'ring.v1', pem);
    expect(wrapped).toMatch(/^a256gcm\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(wrapped).not.toContain('PRIVATE KEY');
    expect(wrapKeyMaterial(key, 'ring.v1', pem)).not.toBe(wrapped);
    expect(unwrapKeyMaterial(key, 'ring.v1', wrapped)).toBe(pem);
  });

  it.each([
    ['another wrapping key', (w: string) => unwrapKeyMaterial(randomBytes(32), 'ring.v1', w)],
    ['another kid (a record moved to another version)', (w: string) => unwrapKeyMaterial(key, 'ring.v2', w)],
    ['an altered ciphertext', (w: string) => unwrapKeyMaterial(key, 'ring.v1', w.slice(0, -2) + (w.endsWith('AA') ? 'BB' : 'AA'))],
    ['a shortened tag', (w: string) => { const [s, iv, tag, data] = w.split('.'); return unwrapKeyMaterial(key, 'ring.v1', [s, iv, tag.slice(0, 8), data].join('.')); }],
    ['another scheme', (w: string) => unwrapKeyMaterial(key, 'ring.v1', w.replace(/^a256gcm/, 'plain'))],
    ['a truncated record', () => unwrapKeyMaterial(key, 'ring.v1', 'a256gcm.abc')],
  ])('refuses %s', (_what, attempt) => {
    expect(attempt(wrapKeyMaterial(key, 'ring.v1', pem))).toBeUndefined();
  });
});
