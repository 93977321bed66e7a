import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { isStsError, ServiceUnavailableError } from '../errors/sts-errors';
import type { ReplayGuard } from '../plugin-api/token-contract';
import { claimedIssuerOf, MAX_ASSERTION_LIFETIME_MS, verifyClientAssertion } from './client-assertion';

const AUD = 'https://sts.test/oauth2/p/token';
const NOW = Date.UTC(2026, 0, 1);

describe('verifyClientAssertion', () => {
  let privateKey: CryptoKey;
  let jwk: JWK;
  const spent: [string, Date][] = [];
  const guard: ReplayGuard = {
    firstUse: async (id, expiresAt) => {
      if (spent.some(([seen]) => seen === id)) return false;
      spent.push([id, expiresAt]);
      return true;
    },
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1' };
  });

  const keys = () => ({ algorithms: ['ES256'], keysFor: async (kid: string | undefined) => (kid === undefined || kid === 'k1' ? [jwk] : []) });
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: 'gw', sub: 'gw', aud: AUD, jti: `j-${Math.random()}`, exp: NOW / 1000 + 60, ...extra });
  const verify = async (jwt: string, replayGuard: ReplayGuard = guard) =>
    verifyClientAssertion(jwt, { clientId: 'gw', keys: keys(), audiences: [AUD], replayGuard, now: NOW });

  async function refusal(jwt: string): Promise<[number, string, string]> {
    const error = await verify(jwt).then(() => undefined, (e: unknown) => e);
    if (!isStsError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
    return [error.status, error.code, error.message];
  }

  it('accepts an assertion valid for exactly the longest lifetime, and spends its jti under the client until exp', async () => {
    const exp = (NOW + MAX_ASSERTION_LIFETIME_MS) / 1000;
    await verify(await sign(claims({ exp, jti: 'once' })));
    expect(spent.find(([id]) => id === 'gw\u0000once')?.[1].getTime()).toBeGreaterThanOrEqual(exp * 1000);
  });

  it.each([
    ['six minutes ahead', { exp: (NOW + 6 * 60_000) / 1000 }, /more than 5 minutes/],
    ['exp as a string', { exp: String(NOW / 1000 + 60) }, /exp claim is not a time/],
    ['nbf in the future', { nbf: NOW / 1000 + 120 }, /not valid yet/],
    ['iat in the future', { iat: NOW / 1000 + 120 }, /issued in the future/],
    ['an over-long jti', { jti: 'x'.repeat(257) }, /longer than 256/],
    ['an aud list without this server', { aud: ['https://a.test', 'https://b.test'] }, /does not name this server/],
  ])('refuses %s with 401 invalid_client', async (_, extra, message) => {
    const [status, code, text] = await refusal(await sign(claims(extra)));
    expect([status, code]).toEqual([401, 'invalid_client']);
    expect(text).toMatch(message);
  });

  it('passes a token store outage on as it is (503), not as a refusal of the client', async () => {
    const down: ReplayGuard = { firstUse: () => Promise.reject(new ServiceUnavailableError('down', { code: 'token_store_unavailable' })) };
    const error = await verify(await sign(claims()), down).then(() => undefined, (e: unknown) => e);
    expect(isStsError(error) && [error.status, error.code]).toEqual([503, 'token_store_unavailable']);
  });

  it('reads the claimed client of an assertion, and refuses one that names none', async () => {
    expect(claimedIssuerOf(await sign(claims()))).toBe('gw');
    expect(() => claimedIssuerOf('a.b')).toThrow(/cannot be read/);
    expect(() => claimedIssuerOf(`${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"sub":"gw"}').toString('base64url')}.c2ln`)).toThrow(/no iss claim/);
  });
});
