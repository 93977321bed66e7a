import 'reflect-metadata';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { SignJWT, exportJWK, type JWK } from 'jose';
import type { StsInstanceContext, StsRealmContext, TokenValidatorParams } from '../../plugin-api/token-contract';
import type { InstanceSettings } from '../../plugin-api/settings';
import { OidcValidationConfig } from '../../realms/schema/oidc-validation-config';
import { InMemoryReplayGuard } from '../../../test/support/in-memory-replay-guard';
import { refusalOf } from '../../../test/support/sts-refusal';
import { checkInputJwtConfiguration, validateInputJwt } from './jwt-input-validation';
import * as signatures from './signature-verification';
import { VerifiedTokenCache, verifiedTokens } from './verified-token-cache';

const ISSUER = 'https://idp.cache.example';
const key = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const idp = key();

let configDir: string;
let jwksServer: Server;
/** What the jwks_url issuer serves now (never cached by the client: no-store). */
let served: { keys: JWK[] };

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'sts-verified-cache-'));
  const jwk = { ...(await exportJWK(idp.publicKey)), kid: 'k1' };
  writeFileSync(join(configDir, 'idp-jwks.json'), JSON.stringify({ keys: [jwk] }));
  served = { keys: [jwk] };
  jwksServer = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(served)));
  await new Promise<void>((listening) => jwksServer.listen(0, '127.0.0.1', listening));
});
afterAll(async () => {
  rmSync(configDir, { recursive: true, force: true });
  await new Promise((closed) => jwksServer.close(closed));
});
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

async function instance(extra: object = {}, source: object = { jwks_file: 'idp-jwks.json' }): Promise<StsInstanceContext> {
  const plain = { trusted_issuers: [{ issuer: ISSUER, ...source, algorithms: ['ES256'], audiences: ['sts'] }], cache_verified_tokens: true, ...extra };
  // An undefined value stands for a key left out (its default).
  const config = plainToInstance(OidcValidationConfig, JSON.parse(JSON.stringify(plain)) as object);
  const context = { name: 'x', path: '/x', settings: { oidc_validation: config } as InstanceSettings };
  const realm = { path: '/', configDir } as unknown as StsRealmContext;
  expect(await checkInputJwtConfiguration({ realm, instance: context })).toEqual([]);
  return context;
}

function params(on: StsInstanceContext, token: string, replayGuard = new InMemoryReplayGuard()): TokenValidatorParams {
  return {
    inputTokenType: 'OPENIDCONNECT',
    inputTokenState: { token_type: 'OPENIDCONNECT', oidc_id_token: token },
    realm: {} as StsRealmContext,
    instance: on,
    request: { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [] },
    replayGuard,
  } as TokenValidatorParams;
}

const nowS = () => Math.floor(Date.now() / 1000);
function idToken(claims: object = {}, signer: KeyObject = idp.privateKey): Promise<string> {
  return new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'sts', iat: nowS(), exp: nowS() + 600, jti: `j${Math.random()}`, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
    .sign(signer);
}

/** Validates and says how many signature verifications that took. */
async function verificationsFor(work: () => Promise<unknown>): Promise<number> {
  const spy = jest.spyOn(signatures, 'verifyWithIssuerKeys');
  try {
    await work();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('the verified-input cache in JWT validation', () => {
  it('verifies a token once, then only checks the rest; a one-byte-different token is verified again', async () => {
    const on = await instance();
    const token = await idToken();
    expect(await verificationsFor(() => validateInputJwt(params(on, token), 'oidc_id_token', 'id_token'))).toBe(1);
    expect(await verificationsFor(() => validateInputJwt(params(on, token), 'oidc_id_token', 'id_token'))).toBe(0);
    // The first character of the signature changed (all its bits count): still base64url, another token.
    const at = token.lastIndexOf('.') + 1;
    const changed = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    let code: string | undefined;
    expect(await verificationsFor(async () => (code = (await refusalOf(validateInputJwt(params(on, changed), 'oidc_id_token', 'id_token'))).code))).toBe(1);
    expect(code).toBe('jwt_signature_invalid');
  });

  it('is off by default', async () => {
    const on = await instance({ cache_verified_tokens: undefined });
    expect(on.settings.oidc_validation!.cache_verified_tokens).toBe(false);
    const token = await idToken();
    await validateInputJwt(params(on, token), 'oidc_id_token', 'id_token');
    expect(await verificationsFor(() => validateInputJwt(params(on, token), 'oidc_id_token', 'id_token'))).toBe(1);
  });

  it('a cached token is still refused after its exp', async () => {
    const on = await instance({ clock_skew_seconds: 0 });
    const token = await idToken({ exp: nowS() + 2 });
    await validateInputJwt(params(on, token), 'oidc_id_token', 'id_token');
    jest.useFakeTimers({ now: Date.now() + 3000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    expect((await refusalOf(validateInputJwt(params(on, token), 'oidc_id_token', 'id_token'))).code).toBe('jwt_expired');
  });

  it('a token refused once is not cached', async () => {
    const on = await instance({ required_claims: ['department'] });
    const token = await idToken();
    expect((await refusalOf(validateInputJwt(params(on, token), 'oidc_id_token', 'id_token'))).code).toBe('jwt_missing_claim');
    expect(await verificationsFor(() => refusalOf(validateInputJwt(params(on, token), 'oidc_id_token', 'id_token')))).toBe(1);
  });

  it('never caches for a one_time_use instance, and a replay is still refused', async () => {
    const on = await instance({ one_time_use: true });
    const guard = new InMemoryReplayGuard();
    const token = await idToken();
    await validateInputJwt(params(on, token, guard), 'oidc_id_token', 'id_token');
    let code: string | undefined;
    expect(await verificationsFor(async () => (code = (await refusalOf(validateInputJwt(params(on, token, guard), 'oidc_id_token', 'id_token'))).code))).toBe(1);
    expect(code).toBe('jwt_replayed');
  });

  it('instances do not share entries, even with the same trust', async () => {
    const [one, other] = [await instance(), await instance()];
    const token = await idToken();
    await validateInputJwt(params(one, token), 'oidc_id_token', 'id_token');
    expect(await verificationsFor(() => validateInputJwt(params(other, token), 'oidc_id_token', 'id_token'))).toBe(1);
    expect(await verificationsFor(() => validateInputJwt(params(one, token), 'oidc_id_token', 'id_token'))).toBe(0);
  });

  it('a change of the issuer key set (JWKS refetch) drops the entry: a token of a replaced key is refused', async () => {
    const on = await instance({}, { jwks_url: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks` });
    const token = await idToken();
    await validateInputJwt(params(on, token), 'oidc_id_token', 'id_token');
    // Same kid, new key: the issuer replaced a compromised key.
    const replacement = key();
    served = { keys: [{ ...(await exportJWK(replacement.publicKey)), kid: 'k1' }] };
    try {
      expect((await refusalOf(validateInputJwt(params(on, token), 'oidc_id_token', 'id_token'))).code).toBe('jwt_signature_invalid');
      const fresh = await idToken({}, replacement.privateKey);
      await validateInputJwt(params(on, fresh), 'oidc_id_token', 'id_token');
      // Every request refetches here (no-store): each fetch makes new key objects, so nothing is vouched for.
      expect(await verificationsFor(() => validateInputJwt(params(on, fresh), 'oidc_id_token', 'id_token'))).toBe(1);
    } finally {
      served = { keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'k1' }] };
    }
  });

  it('uses the process-wide cache, bounded by server.yaml', () => {
    expect(verifiedTokens).toBeInstanceOf(VerifiedTokenCache);
  });
});

describe('VerifiedTokenCache', () => {
  const jwk = (kid: string): JWK => Object.freeze({ kty: 'EC', kid });
  const trust = {};
  const far = Date.now() + 60_000;

  it('holds at most its bound, dropping the least recently used first', () => {
    const cache = new VerifiedTokenCache(2);
    const k = jwk('a');
    cache.remember(trust, 't1', k, far);
    cache.remember(trust, 't2', k, far);
    expect(cache.verifiedKey(trust, 't1', [k], Date.now())).toBe(k); // t1 now the most recent
    cache.remember(trust, 't3', k, far);
    expect(cache.size).toBe(2);
    expect(cache.verifiedKey(trust, 't2', [k], Date.now())).toBeUndefined();
    expect(cache.verifiedKey(trust, 't1', [k], Date.now())).toBe(k);
    expect(cache.verifiedKey(trust, 't3', [k], Date.now())).toBe(k);
    cache.resize(1);
    expect(cache.size).toBe(1);
  });

  it('answers only for the same trust, the same token, a key still offered, before exp', () => {
    const cache = new VerifiedTokenCache();
    const k = jwk('a');
    cache.remember(trust, 'token', k, far);
    expect(cache.verifiedKey({}, 'token', [k], Date.now())).toBeUndefined();
    expect(cache.verifiedKey(trust, 'tokeN', [k], Date.now())).toBeUndefined();
    expect(cache.verifiedKey(trust, 'token', [jwk('a')], Date.now())).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.remember(trust, 'token', k, far);
    expect(cache.verifiedKey(trust, 'token', [k], far)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
