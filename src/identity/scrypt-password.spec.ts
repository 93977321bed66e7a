import { randomBytes, scryptSync } from 'node:crypto';
import { hashPassword, parseScryptHash, PasswordHashFormatError, ScryptHash, verifyPassword } from './scrypt-password';

const PASSWORD = 'correct horse battery staple';
const COST = { ln: 14, r: 8, p: 1 };

/** Unpadded standard base64, as PHC strings use. */
const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

function phc(params: string, salt: Buffer = randomBytes(16), hash: Buffer = randomBytes(32)): string {
  return `$scrypt$${params}$${b64(salt)}$${b64(hash)}`;
}

/** An independent scrypt of `password` with the parameters of `stored`. */
function nodeScrypt(password: string, stored: ScryptHash, length = stored.hash.length): Buffer {
  const N = 2 ** stored.ln;
  return scryptSync(password, stored.salt, length, { N, r: stored.r, p: stored.p, maxmem: 256 * N * stored.r });
}

describe('hashPassword / verifyPassword', () => {
  let stored: string;
  let parsed: ScryptHash;

  beforeAll(async () => {
    stored = await hashPassword(PASSWORD, COST);
    parsed = parseScryptHash(stored);
  });

  it('writes a PHC scrypt string with the requested cost, a 16-byte salt and a 32-byte hash', () => {
    expect(stored).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parsed).toMatchObject(COST);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
  });

  it('uses a fresh salt each time', async () => {
    const again = parseScryptHash(await hashPassword(PASSWORD, COST));
    expect(again.salt.equals(parsed.salt)).toBe(false);
    expect(again.hash.equals(parsed.hash)).toBe(false);
  });

  it('defaults to ln=15, r=8, p=1', async () => {
    expect(parseScryptHash(await hashPassword(PASSWORD))).toMatchObject({ ln: 15, r: 8, p: 1 });
  });

  it('verifies the right password', async () => {
    await expect(verifyPassword(PASSWORD, parsed)).resolves.toBe(true);
  });

  it('refuses a wrong password, a prefix and a case change', async () => {
    await expect(verifyPassword('correct horse battery stapler', parsed)).resolves.toBe(false);
    await expect(verifyPassword('correct horse', parsed)).resolves.toBe(false);
    await expect(verifyPassword(PASSWORD.toUpperCase(), parsed)).resolves.toBe(false);
    await expect(verifyPassword('', parsed)).resolves.toBe(false);
  });

  it('hashes exactly what node:crypto scrypt gives for the parsed parameters', () => {
    expect(nodeScrypt(PASSWORD, parsed).equals(parsed.hash)).toBe(true);
    expect(nodeScrypt('wrong', parsed).equals(parsed.hash)).toBe(false);
  });

  it('verifies a PHC string built independently with node:crypto, whatever its hash length', async () => {
    const salt = randomBytes(24);
    const hash = scryptSync(PASSWORD, salt, 64, { N: 2 ** 14, r: 8, p: 2, maxmem: 64 * 1024 * 1024 });
    const foreign = parseScryptHash(phc('ln=14,r=8,p=2', salt, hash));
    expect(foreign).toMatchObject({ ln: 14, r: 8, p: 2 });
    await expect(verifyPassword(PASSWORD, foreign)).resolves.toBe(true);
    await expect(verifyPassword('wrong', foreign)).resolves.toBe(false);
  });

  it('treats composed and decomposed forms of the same password alike (NFC)', async () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    const hashed = parseScryptHash(await hashPassword(decomposed, COST));
    await expect(verifyPassword(composed, hashed)).resolves.toBe(true);
  });
});

describe('parseScryptHash refuses', () => {
  const refuse = (value: string, message: RegExp): void => {
    let caught: unknown;
    try {
      parseScryptHash(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PasswordHashFormatError);
    expect((caught as Error).message).toMatch(message);
  };

  it.each(['', 'plaintext', 'scrypt$ln=14,r=8,p=1$abc$def', '$scrypt$ln=14,r=8,p=1$!!!not base64!!!$@@@'])(
    'a string that is not PHC: %j',
    (value) => refuse(value, /^not a PHC string/),
  );

  it('another algorithm id', () => {
    refuse(`$argon2id$v=19$m=65536,t=3,p=4$${b64(randomBytes(16))}$${b64(randomBytes(32))}`, /algorithm is "argon2id", expected scrypt/);
  });

  it('an unknown parameter', () => {
    refuse(phc('ln=14,r=8,p=1,maxmem=9'), /unknown scrypt parameter maxmem/);
  });

  it.each(['ln=14,r=8', 'ln=14,r=0,p=1', 'ln=14,r=8,p=x'])('missing or non-positive parameters: %s', (params) => {
    refuse(phc(params), /ln, r and p must all be positive integers/);
  });

  it.each([1, 10, 13])('ln=%i, below 14', (ln) => {
    refuse(phc(`ln=${ln},r=8,p=1`), new RegExp(`ln=${ln} is too weak; use at least ln=14`));
  });

  it.each(['ln=20,r=8,p=1', 'ln=16,r=64,p=1', 'ln=14,r=512,p=1'])('a cost needing more than 512 MiB: %s', (params) => {
    refuse(phc(params), /needs more than 512 MiB per hash/);
  });

  it('a salt shorter than 16 bytes', () => {
    refuse(phc('ln=14,r=8,p=1', randomBytes(15)), /salt must be at least 16 bytes/);
  });

  it('a hash shorter than 16 bytes', () => {
    refuse(phc('ln=14,r=8,p=1', randomBytes(16), randomBytes(15)), /hash must be at least 16 bytes/);
  });

  it('a string without salt and hash', () => {
    refuse('$scrypt$ln=14,r=8,p=1', /salt must be at least 16 bytes/);
  });

  it('accepts the boundaries: ln=14 with a 16-byte salt and hash, and a 256 MiB cost', () => {
    expect(parseScryptHash(phc('ln=14,r=8,p=1', randomBytes(16), randomBytes(16)))).toMatchObject({ ln: 14, r: 8, p: 1 });
    expect(parseScryptHash(phc('ln=18,r=8,p=1'))).toMatchObject({ ln: 18 });
  });
});
