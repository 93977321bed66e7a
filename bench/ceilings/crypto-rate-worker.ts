/**
 * One process of a crypto ceiling: does one operation as fast as raw node:crypto allows for the
 * given seconds and prints how many it completed. RS256/ES256 sign a typical JWS signing input
 * (synchronous, as jose does); the password hash is scrypt with the parameters our stored hashes
 * use, kept busy on libuv's thread pool the way the server's asynchronous verification is.
 */
import { generateKeyPairSync, randomBytes, scrypt, sign } from 'node:crypto';
import { DEFAULT_SCRYPT_COST } from '../../src/identity/scrypt-password';

export type CryptoOperation = 'rs256' | 'es256' | 'password_hash';

const SIGNING_INPUT = Buffer.from(`${Buffer.from('{"alg":"ES256","kid":"ec-1","typ":"JWT"}').toString('base64url')}.${randomBytes(240).toString('base64url')}`);

async function count(operation: CryptoOperation, seconds: number): Promise<number> {
  if (operation === 'password_hash') return hashUntil(Date.now() + seconds * 1000);
  const key =
    operation === 'rs256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const options = operation === 'rs256' ? key : { key, dsaEncoding: 'ieee-p1363' as const };
  const end = Date.now() + seconds * 1000;
  let done = 0;
  while (Date.now() < end) {
    for (let i = 0; i < 50; i++) sign('sha256', SIGNING_INPUT, options);
    done += 50;
  }
  return done;
}

function hashUntil(end: number): Promise<number> {
  const { ln, r, p } = DEFAULT_SCRYPT_COST;
  const parallel = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let done = 0;
  const lane = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const next = (): void => {
        if (Date.now() >= end) return resolve();
        scrypt('bench-password', randomBytes(16), 32, { N: 2 ** ln, r, p, maxmem: 256 * 1024 * 1024 }, (error) => {
          if (error) return reject(error);
          done++;
          next();
        });
      };
      next();
    });
  return Promise.all(Array.from({ length: parallel }, lane)).then(() => done);
}

if (require.main === module) {
  const [operation, seconds] = process.argv.slice(2);
  void count(operation as CryptoOperation, Number(seconds)).then((done) => process.stdout.write(`${done}\n`));
}
