/**
 * Relying-party software we did not write, with its default checks: for every instance of the
 * example configuration that issues ID tokens or access tokens, openid-client discovers the
 * instance's issuer (OpenID Connect Discovery, and RFC 8414) and validates an ID token the
 * instance issued, and jose verifies an access token against the discovered jwks_uri.
 *
 * The example configuration runs unchanged, with `public_base_url: https://sts.example.com` in
 * server.yaml. The only plumbing is the documented `customFetch` hook (openid-client's and
 * jose's), which sends each request for https://sts.example.com to the test server over HTTP,
 * as a reverse proxy would; no validation option is relaxed (no allowInsecureRequests).
 */
import * as client from 'openid-client';
import { createRemoteJWKSet, customFetch as joseCustomFetch, decodeJwt, jwtVerify } from 'jose';
import { jwtOutputsOf } from '../../../src/keys/key-publication';
import type { LoadedInstance } from '../../../src/realms/loaded-instance';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { startExampleServer } from '../../support/example-config';
import type { TestServer } from '../../support/test-server';

const PUBLIC = 'https://sts.example.com';
/** The example identity stores' demo user. */
const DEMO = { username: 'demo', password: 'demo-password' };

let server: TestServer;
const fetched: string[] = [];

/** The reverse proxy: https://sts.example.com/<path> -> the test server, nothing else. */
function viaProxy(url: string, options: RequestInit): Promise<Response> {
  const target = new URL(url);
  if (target.origin !== PUBLIC) throw new Error(`unexpected request to ${url}`);
  fetched.push(target.pathname);
  return fetch(`${server.baseUrl}${target.pathname}${target.search}`, options);
}

beforeAll(async () => {
  server = await startExampleServer({ public_base_url: PUBLIC });
});
afterAll(() => server?.close());

function instances(): LoadedInstance[] {
  return server.app.get(RealmRegistry).realmSet!.instances.filter((loaded) => jwtOutputsOf(loaded.instance.settings).length > 0);
}

/** An input the instance turns into `output`: the demo user's password, else the example plugin's CUSTOM token. */
function inputFor(loaded: LoadedInstance, output: string): object {
  if (loaded.supportsTransform('USERNAME', output)) return { token_type: 'USERNAME', ...DEMO };
  if (loaded.supportsTransform('CUSTOM', output)) return { token_type: 'CUSTOM', extra_stuff: 'relying-party-test' };
  throw new Error(`no example input for ${loaded.instance.path} -> ${output}`);
}

async function issue(loaded: LoadedInstance, output: 'OPENIDCONNECT' | 'JWT', extra: object = {}): Promise<string> {
  const res = await server.post(`/rest-sts${loaded.instance.path}?_action=translate`, {
    input_token_state: inputFor(loaded, output),
    output_token_state: { token_type: output, ...extra },
  });
  expect({ instance: loaded.instance.path, status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({
    instance: loaded.instance.path,
    status: 200,
    body: undefined,
  });
  return res.body.issued_token as string;
}

const cases = () => instances().flatMap((loaded) => jwtOutputsOf(loaded.instance.settings).map((output) => ({ loaded, output })));

describe('openid-client against the example configuration', () => {
  it('covers every example instance that issues ID tokens or access tokens', () => {
    expect(cases().map(({ loaded, output }) => `${loaded.instance.path} ${output.section}`).sort()).toEqual([
      '/custom oidc',
      '/default oidc',
      '/es256 access_token',
      '/es256 oidc',
      '/eu/fr/partners oidc',
    ]);
  });

  it('validates each ID token after OpenID Connect discovery of its issuer, with client_id = its audience', async () => {
    for (const { loaded } of cases().filter(({ output }) => output.section === 'oidc')) {
      const nonce = client.randomNonce();
      const idToken = await issue(loaded, 'OPENIDCONNECT', { nonce });
      const { iss, aud, azp } = decodeJwt(idToken);
      // The relying party the token is for: its azp (one of its audiences), else its one audience.
      const clientId = (azp ?? aud) as string;
      fetched.length = 0;
      const config = await client.discovery(new URL(loaded.instance.settings.oidc!.issuer), clientId, undefined, undefined, {
        [client.customFetch]: viaProxy,
      });
      expect(config.serverMetadata().issuer).toBe(iss);
      client.useIdTokenResponseType(config);
      // The ID token as a relying party receives it in a front-channel response; openid-client
      // checks the signature against the discovered jwks_uri, iss, aud, azp, exp, iat and nonce.
      const claims = await client.implicitAuthentication(config, new URL(`https://rp.example/callback#id_token=${idToken}`), nonce);
      expect(claims).toMatchObject({ iss, sub: expect.any(String), nonce });
      const issuerPath = new URL(iss!).pathname.replace(/\/$/, '');
      expect(fetched).toEqual([`${issuerPath}/.well-known/openid-configuration`, `/jwks${issuerPath}`]);
    }
  });

  it('discovers each issuer through RFC 8414 too, to the same document', async () => {
    for (const { loaded } of cases()) {
      const issuer = loaded.instance.settings.oidc?.issuer ?? loaded.instance.settings.access_token!.issuer!;
      const oidc = await client.discovery(new URL(issuer), 'any-client', undefined, undefined, { [client.customFetch]: viaProxy });
      const oauth = await client.discovery(new URL(issuer), 'any-client', undefined, undefined, { [client.customFetch]: viaProxy, algorithm: 'oauth2' });
      expect(oauth.serverMetadata()).toEqual(oidc.serverMetadata());
      expect(oauth.serverMetadata().issuer).toBe(issuer);
    }
  });

  it('verifies each access token with jose against the discovered jwks_uri; its iss is the discovered issuer', async () => {
    const accessTokenCases = cases().filter(({ output }) => output.section === 'access_token');
    expect(accessTokenCases.length).toBeGreaterThan(0);
    for (const { loaded } of accessTokenCases) {
      const accessToken = await issue(loaded, 'JWT');
      const { iss } = decodeJwt(accessToken);
      const config = await client.discovery(new URL(iss!), 'resource-server', undefined, undefined, { [client.customFetch]: viaProxy, algorithm: 'oauth2' });
      const metadata = config.serverMetadata();
      expect(metadata.issuer).toBe(iss);
      const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri!), { [joseCustomFetch]: viaProxy });
      const audience = loaded.instance.settings.access_token!.audience;
      const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, { issuer: metadata.issuer, audience, typ: 'at+jwt' });
      expect(payload.sub).toEqual(expect.any(String));
      expect(protectedHeader.alg).toBe(loaded.instance.settings.access_token!.signature_algorithm);
    }
  });
});
