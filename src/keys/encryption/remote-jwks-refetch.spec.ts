import { RemoteJwks } from './remote-jwks';

describe('RemoteJwks.refetch (an unknown kid)', () => {
  it('fetches again only when the last fetch started at least minIntervalMs ago, and uses the configured error code', async () => {
    let clock = 1_000_000;
    let fetches = 0;
    const fetchImpl = (async () => {
      fetches++;
      return new Response(JSON.stringify({ keys: [{ kty: 'EC', kid: `k${fetches}` }] }), { headers: { 'cache-control': 'max-age=3600' } });
    }) as typeof fetch;
    const jwks = new RemoteJwks({ url: 'https://idp.test/jwks', defaultCacheMinutes: 60, fetchImpl, now: () => clock });
    expect((await jwks.keys()).map((k) => k.kid)).toEqual(['k1']);
    clock += 59_000;
    expect((await jwks.refetch(60_000)).map((k) => k.kid)).toEqual(['k1']);
    clock += 1_000;
    expect((await jwks.refetch(60_000)).map((k) => k.kid)).toEqual(['k2']);
    expect(fetches).toBe(2);

    const down = new RemoteJwks({
      url: 'https://idp.test/jwks',
      defaultCacheMinutes: 60,
      unavailableCode: 'jwt_issuer_keys_unavailable',
      fetchImpl: (async () => new Response('', { status: 500 })) as typeof fetch,
    });
    await expect(down.keys()).rejects.toMatchObject({ status: 503, code: 'jwt_issuer_keys_unavailable' });
  });
});
