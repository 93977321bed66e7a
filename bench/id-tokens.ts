/**
 * The bench IdP's ES256 ID tokens. Each one has its own `jti`, so a pool of them sends every
 * request a token the server has never seen (no cache of verified tokens can answer it). Signed
 * with raw node:crypto, which makes tens of thousands a second; all have the same size.
 */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const signAsync = promisify(sign);
const ES256 = { dsaEncoding: 'ieee-p1363' } as const;
/** Signatures in flight at once: enough to keep every thread of the pool busy. */
const LANES = 16;

export const IDP_ISSUER = 'https://idp.bench.example';
export const IDP_KID = 'idp-1';
/** The audience the STS and the peer accept from the bench IdP. */
export const IDP_AUDIENCE = 'sts';

export class IdTokenMinter {
  private readonly header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: IDP_KID, typ: 'JWT' })).toString('base64url');
  /** Different in every run, so tokens of two runs never coincide either. */
  private readonly run = randomBytes(6).toString('base64url');
  private minted = 0;

  constructor(private readonly privateKey: KeyObject) {}

  /** A fresh token, good for a day. */
  mint(): string {
    const signingInput = this.signingInput();
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), { key: this.privateKey, ...ES256 }).toString('base64url')}`;
  }

  /** `count` fresh tokens, signed on libuv's thread pool, so on every core. */
  async mintMany(count: number): Promise<string[]> {
    const tokens: string[] = new Array(count);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const signingInput = this.signingInput();
        const signature = await signAsync('sha256', Buffer.from(signingInput), { key: this.privateKey, ...ES256 });
        tokens[index] = `${signingInput}.${signature.toString('base64url')}`;
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    return tokens;
  }

  private signingInput(): string {
    const iat = Math.floor(Date.now() / 1000);
    const jti = `${this.run}-${(this.minted++).toString(36).padStart(8, '0')}`;
    const claims = { email: 'bench@example.com', iss: IDP_ISSUER, sub: 'bench-user', aud: IDP_AUDIENCE, iat, exp: iat + 86_400, jti };
    return `${this.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  }
}
