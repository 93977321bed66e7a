import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer } from '../../../test/support/local-http-server';
import { isStsError, ServiceUnavailableError } from '../../errors/sts-errors';
import { checkJwksUrl, RemoteJwks, type RemoteJwksOptions } from './remote-jwks';

/** The local HTTP server, answering an empty key set unless told otherwise, optionally after a delay. */
class TestServer extends LocalHttpServer {
  override handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('{"keys":[]}');
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Answers every request with this status, headers and body, optionally after a delay. */
  reply(body: unknown, options: { status?: number; headers?: Record<string, string>; delayMs?: number } = {}): void {
    this.handler = (_req, res) => {
      const send = () => {
        res.writeHead(options.status ?? 200, { 'content-type': 'application/json', ...options.headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (options.delayMs) this.later(options.delayMs, send);
      else send();
    };
  }

  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  override async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await super.close();
  }
}

const RSA_KEY = { kty: 'RSA', kid: 'rsa-1', use: 'enc', n: 'sXch', e: 'AQAB' };
const EC_KEY = { kty: 'EC', kid: 'ec-1', crv: 'P-256', x: 'f83O', y: 'x_FE' };
const START = Date.parse('2030-01-01T00:00:00Z');

/** Runs the call and returns what it threw, failing the test if it did not throw. */
async function failure(call: () => Promise<unknown>): Promise<ServiceUnavailableError> {
  try {
    await call();
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    return err as ServiceUnavailableError;
  }
  throw new Error('expected the call to fail');
}

describe('RemoteJwks', () => {
  let server: TestServer;
  let clock: number;

  beforeEach(async () => {
    server = new TestServer();
    await server.listen();
    clock = START;
  });

  afterEach(async () => {
    await server.close();
  });

  const jwks = (options: Partial<RemoteJwksOptions> = {}) =>
    new RemoteJwks({ url: `${server.origin}/jwks`, defaultCacheMinutes: 720, now: () => clock, ...options });

  const seconds = (n: number) => {
    clock += n * 1000;
  };

  /** Asserts the failure is a 503 with the stable code, naming the host and a reason. */
  const expectUnavailable = (err: ServiceUnavailableError, reason: RegExp) => {
    expect(isStsError(err)).toBe(true);
    expect(err.status).toBe(503);
    expect(err.code).toBe('encryption_keys_unavailable');
    expect(err.message).toContain(new URL(server.origin).host);
    expect(err.message).toMatch(reason);
    expect(err.message).not.toMatch(/\n\s+at /);
  };

  describe('caching', () => {
    it('fetches the key set on first use', async () => {
      server.reply({ keys: [RSA_KEY, EC_KEY] });
      const remote = jwks();
      expect(server.count).toBe(0);

      await expect(remote.keys()).resolves.toEqual([RSA_KEY, EC_KEY]);
      expect(server.count).toBe(1);
      expect(server.requests[0].url).toBe('/jwks');
      expect(server.requests[0].headers.accept).toContain('json');
    });

    it('serves from the cache within max-age, then refetches once it has passed', async () => {
      server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': 'public, max-age=60' } });
      const remote = jwks();
      await remote.keys();

      seconds(59);
      await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
      expect(server.count).toBe(1);

      server.reply({ keys: [EC_KEY] }, { headers: { 'cache-control': 'max-age=60' } });
      seconds(1);
      await expect(remote.keys()).resolves.toEqual([EC_KEY]);
      expect(server.count).toBe(2);
    });

    it('honours Expires (measured from the response Date) when there is no max-age', async () => {
      server.reply(
        { keys: [RSA_KEY] },
        {
          headers: {
            date: new Date(START).toUTCString(),
            expires: new Date(START + 120_000).toUTCString(),
          },
        },
      );
      const remote = jwks();
      await remote.keys();

      seconds(119);
      await remote.keys();
      expect(server.count).toBe(1);

      seconds(1);
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it('measures Expires against the clock when the response has no Date', async () => {
      server.handler = (_req, res) => {
        res.sendDate = false;
        res.setHeader('expires', new Date(clock + 30_000).toUTCString());
        res.end(JSON.stringify({ keys: [RSA_KEY] }));
      };
      const remote = jwks();
      await remote.keys();
      seconds(29);
      await remote.keys();
      expect(server.count).toBe(1);
      seconds(1);
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it('prefers Cache-Control max-age over Expires', async () => {
      server.reply(
        { keys: [RSA_KEY] },
        { headers: { 'cache-control': 'max-age=10', expires: new Date(START + 3_600_000).toUTCString() } },
      );
      const remote = jwks();
      await remote.keys();
      seconds(10);
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it('treats an invalid Expires as already expired', async () => {
      server.reply({ keys: [RSA_KEY] }, { headers: { expires: '0' } });
      const remote = jwks();
      await remote.keys();
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it('falls back to defaultCacheMinutes when the response has no cache directives', async () => {
      server.reply({ keys: [RSA_KEY] });
      const remote = jwks({ defaultCacheMinutes: 10 });
      await remote.keys();

      seconds(10 * 60 - 1);
      await remote.keys();
      expect(server.count).toBe(1);

      seconds(1);
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it.each(['no-store', 'no-cache', 'max-age=0', 'max-age=600, no-cache'])(
      'refetches on every call with Cache-Control: %s, still returning the keys to the fetching call',
      async (cacheControl) => {
        server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': cacheControl } });
        const remote = jwks();
        await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
        await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
        await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
        expect(server.count).toBe(3);
      },
    );

    it('caps any cache lifetime at 7 days', async () => {
      const week = 7 * 24 * 3600;
      server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': `max-age=${week * 10}` } });
      const remote = jwks();
      await remote.keys();
      seconds(week - 1);
      await remote.keys();
      expect(server.count).toBe(1);
      seconds(1);
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it('caps a large defaultCacheMinutes at 7 days too', async () => {
      server.reply({ keys: [RSA_KEY] });
      const remote = jwks({ defaultCacheMinutes: 30 * 24 * 60 });
      await remote.keys();
      seconds(7 * 24 * 3600);
      await remote.keys();
      expect(server.count).toBe(2);
    });

    it('shares one fetch between concurrent calls', async () => {
      server.reply({ keys: [RSA_KEY] }, { delayMs: 30 });
      const remote = jwks();
      const results = await Promise.all([remote.keys(), remote.keys(), remote.keys(), remote.keys(), remote.keys()]);
      expect(server.count).toBe(1);
      for (const keys of results) expect(keys).toEqual([RSA_KEY]);
    });

    it('shares one fetch between concurrent calls even when the response is not cacheable', async () => {
      server.reply({ keys: [RSA_KEY] }, { delayMs: 30, headers: { 'cache-control': 'no-store' } });
      const remote = jwks();
      await Promise.all([remote.keys(), remote.keys(), remote.keys()]);
      expect(server.count).toBe(1);
    });

    it('returns the same frozen key set while cached and a new one after a refetch', async () => {
      server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': 'max-age=60' } });
      const remote = jwks();
      const first = await remote.keys();
      expect(await remote.keys()).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(first[0])).toBe(true);
      expect(() => first.push({ kty: 'oct' })).toThrow(TypeError);

      seconds(60);
      const second = await remote.keys();
      expect(server.count).toBe(2);
      expect(second).not.toBe(first);
      expect(second).toEqual([RSA_KEY]);
    });
  });

  describe('failures', () => {
    it('throws 503 encryption_keys_unavailable on a 500 with nothing cached', async () => {
      server.reply('oops', { status: 500 });
      const err = await failure(() => jwks().keys());
      expectUnavailable(err, /HTTP 500/);
    });

    it('retries every call while nothing has ever been fetched', async () => {
      server.reply('oops', { status: 503 });
      const remote = jwks();
      await failure(() => remote.keys());
      server.reply({ keys: [RSA_KEY] });
      await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
      expect(server.count).toBe(2);
    });

    it('serves the stale copy after a failure and retries no sooner than 60 s later', async () => {
      server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': 'max-age=60' } });
      const remote = jwks();
      await remote.keys();

      server.reply('down', { status: 500 });
      seconds(60);
      await expect(remote.keys()).resolves.toEqual([RSA_KEY]); // refetch fails -> stale copy
      expect(server.count).toBe(2);

      seconds(59);
      await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
      expect(server.count).toBe(2); // still backing off

      server.reply({ keys: [EC_KEY] }, { headers: { 'cache-control': 'max-age=60' } });
      seconds(1);
      await expect(remote.keys()).resolves.toEqual([EC_KEY]);
      expect(server.count).toBe(3);

      seconds(30);
      await expect(remote.keys()).resolves.toEqual([EC_KEY]);
      expect(server.count).toBe(3); // the fresh copy is cached normally again
    });

    it('serves the stale copy of a no-store response when the partner later fails', async () => {
      server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': 'no-store' } });
      const remote = jwks();
      await remote.keys();
      server.handler = (req) => req.socket.destroy();
      await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
      expect(server.count).toBe(2);
    });

    it('throws 503 when the server is unreachable', async () => {
      const remote = jwks();
      await server.close();
      const err = await failure(() => remote.keys());
      expectUnavailable(err, /request failed \(ECONNREFUSED\)/);
    });

    it('throws 503 when the connection is dropped without a response', async () => {
      server.handler = (req) => req.socket.destroy();
      const err = await failure(() => jwks().keys());
      expectUnavailable(err, /request failed/);
      expect(server.count).toBe(1);
    });

    it('throws 503 when the server does not answer within timeoutMs', async () => {
      server.reply({ keys: [RSA_KEY] }, { delayMs: 10_000 });
      const err = await failure(() => jwks({ timeoutMs: 100 }).keys());
      expectUnavailable(err, /no response within 100 ms/);
    });

    it('throws 503 when the body stalls past timeoutMs', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
      };
      const err = await failure(() => jwks({ timeoutMs: 100 }).keys());
      expectUnavailable(err, /no response within 100 ms/);
    });

    it('throws 503 on a Content-Length over maxBytes without reading the body', async () => {
      // Declares far more than it sends: reading the body would stall until the timeout instead.
      server.handler = (_req, res) => {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('{"keys":[]');
      };
      const err = await failure(() => jwks({ maxBytes: 1024, timeoutMs: 2000 }).keys());
      expectUnavailable(err, /larger than 1024 bytes/);
    });

    it('throws 503 on a chunked body that grows over maxBytes', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        for (let i = 0; i < 20; i++) res.write(`${JSON.stringify({ ...RSA_KEY, n: 'x'.repeat(100) })},`);
        res.end(`${JSON.stringify(RSA_KEY)}]}`);
      };
      const err = await failure(() => jwks({ maxBytes: 1024 }).keys());
      expect(server.requests[0].headers['content-length']).toBeUndefined();
      expectUnavailable(err, /larger than 1024 bytes/);
    });

    it('accepts a body of exactly maxBytes', async () => {
      const body = JSON.stringify({ keys: [RSA_KEY] });
      server.reply(body);
      await expect(jwks({ maxBytes: Buffer.byteLength(body) }).keys()).resolves.toEqual([RSA_KEY]);
    });

    it.each([
      ['invalid JSON', '{"keys": [', /not valid JSON/],
      ['keys not an array', { keys: 5 }, /no "keys" array/],
      ['no keys member', { other: [] }, /no "keys" array/],
      ['a top-level array', [RSA_KEY], /not a JSON object/],
      ['null', 'null', /not a JSON object/],
    ])('throws 503 on %s', async (_name, body, reason) => {
      server.reply(body);
      const err = await failure(() => jwks().keys());
      expectUnavailable(err, reason);
    });

    it('serves the stale copy when the partner starts sending garbage', async () => {
      server.reply({ keys: [RSA_KEY] }, { headers: { 'cache-control': 'max-age=1' } });
      const remote = jwks();
      await remote.keys();
      server.reply({ keys: 5 });
      seconds(1);
      await expect(remote.keys()).resolves.toEqual([RSA_KEY]);
      expect(server.count).toBe(2);
    });
  });

  describe('content and redirects', () => {
    it('keeps only entries that are objects with a string kty', async () => {
      server.reply({
        keys: [RSA_KEY, { kid: 'no-kty', n: 'a', e: 'AQAB' }, { kty: 7 }, 'RSA', null, [RSA_KEY], 42, EC_KEY],
      });
      await expect(jwks().keys()).resolves.toEqual([RSA_KEY, EC_KEY]);
    });

    it('does not follow a redirect to another origin', async () => {
      const other = new TestServer();
      await other.listen();
      try {
        other.reply({ keys: [EC_KEY] });
        server.handler = (_req, res) => {
          res.writeHead(302, { location: `${other.origin}/jwks` });
          res.end();
        };
        const err = await failure(() => jwks().keys());
        expectUnavailable(err, /redirect to another origin/);
        expect(server.count).toBe(1);
        expect(other.count).toBe(0);
      } finally {
        await other.close();
      }
    });

    it('follows a redirect within the same origin', async () => {
      server.handler = (req, res) => {
        if (req.url === '/jwks') {
          res.writeHead(301, { location: '/v2/jwks' });
          res.end();
        } else {
          res.end(JSON.stringify({ keys: [EC_KEY] }));
        }
      };
      await expect(jwks().keys()).resolves.toEqual([EC_KEY]);
      expect(server.requests.map((r) => r.url)).toEqual(['/jwks', '/v2/jwks']);
    });

    it('gives up on a same-origin redirect loop', async () => {
      server.handler = (_req, res) => {
        res.writeHead(302, { location: '/jwks' });
        res.end();
      };
      const err = await failure(() => jwks().keys());
      expectUnavailable(err, /too many redirects/);
      expect(server.count).toBeLessThanOrEqual(10);
    });

    it('refuses to be constructed with a URL checkJwksUrl rejects', () => {
      expect(() => new RemoteJwks({ url: 'http://example.com/jwks', defaultCacheMinutes: 720 })).toThrow(/https/);
    });
  });
});

describe('checkJwksUrl', () => {
  it.each([
    'https://example.com/jwks',
    'http://127.0.0.1:8080/x',
    'http://localhost/x',
    'http://[::1]/x',
    'http://127.9.8.7/x',
  ])('accepts %s', (url) => {
    expect(checkJwksUrl(url)).toBeUndefined();
  });

  it.each([
    ['http://example.com/jwks', /must use https \(http is allowed only for loopback hosts\)/],
    ['http://128.0.0.1/jwks', /must use https/],
    ['http://localhost.example.com/jwks', /must use https/],
    ['https://user:pw@example.com/', /user name or password/],
    ['https://user@example.com/', /user name or password/],
    ['ftp://x', /must use https/],
    ['not a url', /not a valid/],
  ])('refuses %s', (url, problem) => {
    expect(checkJwksUrl(url)).toMatch(problem);
  });
});
