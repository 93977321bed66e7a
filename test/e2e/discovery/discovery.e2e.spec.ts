/**
 * One public issuer per instance, its documents, and keys published for a purpose:
 * - the OpenID Connect discovery document at {issuer path}/.well-known/openid-configuration and
 *   the RFC 8414 document at /.well-known/oauth-authorization-server{issuer path}, built from the
 *   configuration only (public_base_url, the configured issuer), whatever Host or X-Forwarded-*
 *   the request carries;
 * - the issuer's JWKS (its jwks_uri) and each instance's, holding only the keys that sign their
 *   ID tokens and access tokens, each with kid, use and alg: never a CA or SAML key;
 * - every refusal at load: two issuers on one instance, two issuers on one path, an ambiguous
 *   primary instance, a key with several purposes or algorithms, a bad public_base_url.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JWK } from 'jose';
import { clientAuthMetadata } from '../../../src/oauth/client-auth-metadata';
import type { ConfigError } from '../../../src/realms/config-problem';
import { loadRealms } from '../../../src/realms/realm-loader';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { defaultPublicBaseUrl } from '../../../src/server-config/server-config-loader';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { configErrorOf, expectConfigProblem } from '../../support/config-errors';
import { expectErrorBody } from '../../support/error-body';
import { startExampleServer } from '../../support/example-config';
import { DEMO_PASSWORD, testPasswordHash, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, startupError, writeConfigDir, type TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const PUBLIC = 'https://sts.example.com';
const roots: string[] = [];
let work: string;
/** A file identity store with alice, for the instances that take USERNAME input. */
let identityStore: Json;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sts-discovery-'));
  identityStore = { type: 'file', users: [{ username: 'alice', password_hash: await testPasswordHash() }] };
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A P-256 key file with a self-signed certificate, a CA one (basicConstraints CA:TRUE) when `ca`. */
function keyWithCertificate(name: string, ca: boolean): { keyFile: string; certFile: string } {
  const keyFile = join(work, `${name}.key.pem`);
  const certFile = join(work, `${name}.crt.pem`);
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const extensions = ca ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'] : [];
  execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-days', '30', '-out', certFile, ...extensions], { stdio: 'pipe' });
  return { keyFile, certFile };
}

/** GET over node:http, so the request can carry any Host header. */
function getWithHeaders(baseUrl: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const ec = (kid: string, extra: Json = {}): Json => ({ kid, use: 'sig', generate: { type: 'ec', curve: 'P-256' }, ...extra });
const rsa = (kid: string, extra: Json = {}): Json => ({ kid, use: 'sig', generate: { type: 'rsa', size: 2048 }, ...extra });
const oidc = (issuer: string, signing_key: string, signature_algorithm = 'ES256'): Json => ({ issuer, audience: ['rp'], signature_algorithm, signing_key });
const idTokens = (issuer: string, signing_key: string, extra: Json = {}): Json => ({
  supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }],
  oidc: oidc(issuer, signing_key),
  ...extra,
});
const accessTokens = (issuer: string, signing_key: string, extra: Json = {}): Json => ({
  supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
  access_token: { issuer, audience: ['api'], signature_algorithm: 'ES256', signing_key, allowed_client_ids: ['app'], client_id: 'app' },
  ...extra,
});

function kidsAndAlgs(jwks: { keys: JWK[] }): string[] {
  return jwks.keys.map((key) => `${key.kid} ${key.use} ${key.alg}`).sort();
}

describe('the example configuration, public_base_url https://sts.example.com', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startExampleServer({ public_base_url: PUBLIC });
  });
  afterAll(() => server?.close());

  /** The primary instance's client authentication members, as the client authentication code states them. */
  const clientAuth = (path: string) => clientAuthMetadata(server.app.get(RealmRegistry).realmSet!.instance(path)!.instance.settings);

  it('serves the discovery document of https://sts.example.com: the configured issuer, endpoints of /default (issuer_primary), the keys of /default and /es256', async () => {
    const res = await server.get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      issuer: PUBLIC,
      token_endpoint: `${PUBLIC}/oauth2/default/token`,
      jwks_uri: `${PUBLIC}/jwks`,
      introspection_endpoint: `${PUBLIC}/oauth2/default/introspect`,
      revocation_endpoint: `${PUBLIC}/oauth2/default/revoke`,
      response_types_supported: [],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      grant_types_supported: [],
      ...clientAuth('/default'),
      scopes_supported: [],
    });
    expect(res.body.authorization_endpoint).toBeUndefined();
  });

  it('serves the same document at the RFC 8414 location', async () => {
    const oidcDocument = await server.get('/.well-known/openid-configuration');
    const res = await server.get('/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(oidcDocument.body);
  });

  it.each([
    ['/demo-custom', `${PUBLIC}/demo-custom`, '/custom', ['ES256']],
    ['/eu/fr', `${PUBLIC}/eu/fr`, '/eu/fr/partners', ['ES256']],
  ])('serves the issuer at the path %s at {issuer}/.well-known/openid-configuration and /.well-known/oauth-authorization-server{path}', async (path, issuer, instance, algorithms) => {
    const discovery = await server.get(`${path}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({
      issuer,
      jwks_uri: `${PUBLIC}/jwks${path}`,
      token_endpoint: `${PUBLIC}/oauth2${instance}/token`,
      id_token_signing_alg_values_supported: algorithms,
      ...clientAuth(instance),
    });
    const metadata = await server.get(`/.well-known/oauth-authorization-server${path}`);
    expect(metadata.status).toBe(200);
    expect(metadata.body).toEqual(discovery.body);
  });

  it("publishes in each issuer's JWKS exactly the keys its tokens are signed with, each with kid, use and alg", async () => {
    const jwks = async (path: string) => {
      const res = await server.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      return res.body as { keys: JWK[] };
    };
    expect(kidsAndAlgs(await jwks('/jwks'))).toEqual(['ec-1 sig ES256', 'rsa-1 sig RS256']);
    expect(kidsAndAlgs(await jwks('/jwks/demo-custom'))).toEqual(['demo-custom-ec-1 sig ES256']);
    expect(kidsAndAlgs(await jwks('/jwks/eu/fr'))).toEqual(['eu-fr-ec-1 sig ES256']);
    expect(kidsAndAlgs(await jwks('/oauth2/default/jwks'))).toEqual(['rsa-1 sig RS256']);
    expect(kidsAndAlgs(await jwks('/oauth2/es256/jwks'))).toEqual(['ec-1 sig ES256']);
    expect(kidsAndAlgs(await jwks('/oauth2/custom/jwks'))).toEqual(['demo-custom-ec-1 sig ES256']);
    // The PingFederate-style publication of /es256 is its instance JWKS.
    expect(kidsAndAlgs(await jwks('/ext/oauth/jwks'))).toEqual(['ec-1 sig ES256']);
  });

  it('verifies tokens of both instances of https://sts.example.com against its one jwks_uri, and not the demo issuer\'s', async () => {
    const jwks = createLocalJWKSet((await server.get('/jwks')).body);
    for (const instance of ['default', 'es256']) {
      const res = await server.post(`/rest-sts/${instance}?_action=translate`, usernameToOidc('demo', 'demo-password'));
      expect(res.status).toBe(200);
      await expect(jwtVerify(res.body.issued_token, jwks, { issuer: PUBLIC })).resolves.toMatchObject({ payload: { sub: 'demo' } });
    }
    const custom = await server.post('/rest-sts/custom?_action=translate', {
      input_token_state: { token_type: 'CUSTOM', extra_stuff: 'anyone' },
      output_token_state: { token_type: 'OPENIDCONNECT' },
    });
    expect(custom.status).toBe(200);
    expect(decodeJwt(custom.body.issued_token).iss).toBe(`${PUBLIC}/demo-custom`);
    await expect(jwtVerify(custom.body.issued_token, jwks)).rejects.toThrow();
  });

  it('answers the same bytes whatever Host, X-Forwarded-Host, X-Forwarded-Proto or Forwarded the request carries', async () => {
    const hostile = {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
      'x-forwarded-prefix': '/evil',
      forwarded: 'host=evil.example;proto=http',
    };
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/eu/fr/.well-known/openid-configuration', '/jwks']) {
      const plain = await getWithHeaders(server.baseUrl, path, {});
      const forged = await getWithHeaders(server.baseUrl, path, hostile);
      expect({ path, status: forged.status }).toEqual({ path, status: 200 });
      expect(forged.body).toBe(plain.body);
      expect(forged.body).not.toContain('evil');
      expect(forged.body).not.toContain('127.0.0.1');
    }
  });

  it('answers 404 not_found where no issuer is, and for the old per-instance metadata URL names where the metadata is now', async () => {
    const old = await server.get('/.well-known/oauth-authorization-server/oauth2/default');
    expectErrorBody(old, 404, 'not_found');
    expect(old.body.message).toBe(
      'No issuer has its metadata at /.well-known/oauth-authorization-server/oauth2/default. ' +
        'Instance /default issues tokens as https://sts.example.com, whose metadata is at /.well-known/oauth-authorization-server.',
    );
    for (const path of [
      '/nowhere/.well-known/openid-configuration',
      '/.well-known/openid-configuration/demo-custom', // not the form Discovery defines
      '/oauth2/default/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/nowhere',
      '/.well-known/oauth-authorization-server/oauth2/nowhere',
      '/jwks/nowhere',
    ]) {
      expectErrorBody(await server.get(path), 404, 'not_found');
    }
  });
});

describe('documents without public_base_url', () => {
  it('name endpoints under http://<HOST>:<PORT>, never under the address the request came to', async () => {
    const server = await startTestServer({ root: { realm: '/', identity_store: identityStore, keys: [ec('ec-1')], instances: { a: idTokens('https://sts.test', 'ec-1') } } });
    try {
      const res = await server.get('/.well-known/openid-configuration');
      expect(res.status).toBe(200);
      expect(res.body.jwks_uri).toBe(`${defaultPublicBaseUrl(process.env)}/jwks`);
      expect(res.body.token_endpoint).toBe(`${defaultPublicBaseUrl(process.env)}/oauth2/a/token`);
    } finally {
      await server.close();
    }
  });
});

describe('issuers shared across instances and realms, and issuers that do not live under public_base_url', () => {
  let server: TestServer;
  let logged: string[];

  beforeAll(async () => {
    const logSpy = jest.spyOn(Logger.prototype, 'log');
    const hash = await testPasswordHash();
    const users = { type: 'file', users: [{ username: 'alice', password_hash: hash }] };
    server = await startTestServer(
      {
        root: {
          realm: '/',
          identity_store: users,
          keys: [ec('ec-root'), ec('ec-at'), ec('ec-other')],
          instances: {
            ids: idTokens('https://sts.test/tenant', 'ec-root', { issuer_primary: true, oauth_clients: [{ client_id: 'c1', client_secret_hash: hash }] }),
            tokens: accessTokens('https://sts.test/tenant', 'ec-at', { oauth_clients: [{ client_id: 'c2', client_secret_hash: hash }] }),
            elsewhere: idTokens('https://login.other.test/sts', 'ec-other'),
          },
        },
        fr: {
          realm: '/eu/fr',
          identity_store: users,
          keys: [ec('ec-fr')],
          instances: { partners: idTokens('https://sts.test/tenant', 'ec-fr') },
        },
      },
      {},
      { public_base_url: 'https://sts.test/tenant' },
    );
    logged = logSpy.mock.calls.map((call) => String(call[0]));
    logSpy.mockRestore();
  });
  afterAll(() => server?.close());

  it('serves an issuer equal to public_base_url (a path prefix the proxy strips) at the root paths, with the keys of all its instances in every realm', async () => {
    const res = await server.get('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      issuer: 'https://sts.test/tenant',
      jwks_uri: 'https://sts.test/tenant/jwks',
      token_endpoint: 'https://sts.test/tenant/oauth2/ids/token',
      id_token_signing_alg_values_supported: ['ES256'],
    });
    expect(kidsAndAlgs((await server.get('/jwks')).body)).toEqual(['ec-at sig ES256', 'ec-fr sig ES256', 'ec-root sig ES256']);
    expect(kidsAndAlgs((await server.get('/oauth2/tokens/jwks')).body)).toEqual(['ec-at sig ES256']);
  });

  it('serves an issuer on another host at its own path, and logs where, for the reverse proxy', async () => {
    const res = await server.get('/sts/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ issuer: 'https://login.other.test/sts', jwks_uri: 'https://sts.test/tenant/jwks/sts' });
    expect((await server.get('/.well-known/oauth-authorization-server/sts')).body).toEqual(res.body);
    expect(logged).toContain(
      'Issuer https://login.other.test/sts is not under public_base_url https://sts.test/tenant: ' +
        'https://login.other.test/sts/.well-known/openid-configuration is served here at /sts/.well-known/openid-configuration; ' +
        'https://login.other.test/.well-known/oauth-authorization-server/sts is served here at /.well-known/oauth-authorization-server/sts. ' +
        'Map these URLs to those paths in the reverse proxy.',
    );
    // The RFC 8414 URL of an issuer with a path is outside that path: it is logged too.
    expect(logged.some((line) => line.startsWith('Issuer https://sts.test/tenant is not under public_base_url'))).toBe(true);
  });

  it('has no discovery document for an issuer of access tokens only; its RFC 8414 document names no ID token algorithm', async () => {
    const alone = await startTestServer({
      root: { realm: '/', identity_store: identityStore, keys: [ec('ec-at')], instances: { at: accessTokens('https://api.test', 'ec-at') } },
    });
    try {
      const discovery = await alone.get('/.well-known/openid-configuration');
      expectErrorBody(discovery, 404, 'not_found');
      expect(discovery.body.message).toBe(
        'Issuer https://api.test issues no ID tokens, so it has no OpenID Connect discovery document; its metadata is at /.well-known/oauth-authorization-server.',
      );
      const metadata = await alone.get('/.well-known/oauth-authorization-server');
      expect(metadata.status).toBe(200);
      expect(metadata.body.issuer).toBe('https://api.test');
      expect(metadata.body.id_token_signing_alg_values_supported).toBeUndefined();
      expect(metadata.body.subject_types_supported).toBeUndefined();
    } finally {
      await alone.close();
    }
  });
});

describe('keys published for a purpose', () => {
  let server: TestServer;
  let ca: { keyFile: string; certFile: string };
  let saml: { keyFile: string; certFile: string };
  let jwtWithCertificate: { keyFile: string; certFile: string };

  beforeAll(async () => {
    ca = keyWithCertificate('ca', true);
    saml = keyWithCertificate('saml', false);
    jwtWithCertificate = keyWithCertificate('jwt-cert', false);
    const hash = await testPasswordHash();
    server = await startTestServer({
      root: {
        realm: '/',
        identity_store: { type: 'file', users: [{ username: 'alice', password_hash: hash, attributes: { mail: 'alice@example.com' } }] },
        keys: [
          ec('ec-1'),
          { kid: 'jwt-cert', use: 'sig', private_key_file: jwtWithCertificate.keyFile, certificate_file: jwtWithCertificate.certFile },
          { kid: 'ca-1', use: 'sig', private_key_file: ca.keyFile, certificate_file: ca.certFile },
          { kid: 'saml-1', use: 'sig', private_key_file: saml.keyFile, certificate_file: saml.certFile },
          ec('spare'), // named by no instance
          ec('ec-old', { retired_at: new Date(Date.now() - 60_000).toISOString() }),
          { kid: 'hs-1', use: 'sig', generate: { type: 'oct', size: 256 } },
        ],
        instances: {
          ids: {
            ...idTokens('https://sts.test', 'ec-1'),
            supported_token_transforms: [
              { from: 'USERNAME', to: 'OPENIDCONNECT' },
              { from: 'USERNAME', to: 'SAML2' },
              { from: 'USERNAME', to: 'X509' },
            ],
            saml2: { issuer: 'https://sts.test/saml', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', signing_key: 'saml-1' },
            x509_issuance: { ca_key: 'ca-1' },
            issuer_primary: true,
          },
          at: accessTokens('https://sts.test', 'jwt-cert', {
            access_token: {
              ...accessTokens('https://sts.test', 'jwt-cert').access_token,
              jwks_endpoint_path: '/purpose/jwks',
              publish_x509_by_kid: true,
              publish_x509_by_x5t: true,
            },
          }),
          hmac: { ...idTokens('https://sts.test', 'hs-1'), oidc: oidc('https://sts.test', 'hs-1', 'HS256') },
        },
      },
    });
  });
  afterAll(() => server?.close());

  it('never publishes the CA key, the SAML key, a key no output names or an HMAC secret; a retired key stays until its window ends', async () => {
    const expected = ['ec-1 sig ES256', 'ec-old sig ES256'];
    expect(kidsAndAlgs((await server.get('/oauth2/ids/jwks')).body)).toEqual(expected);
    expect(kidsAndAlgs((await server.get('/oauth2/at/jwks')).body)).toEqual(['ec-old sig ES256', 'jwt-cert sig ES256']);
    expect(kidsAndAlgs((await server.get('/oauth2/hmac/jwks')).body)).toEqual(['ec-old sig ES256']);
    expect(kidsAndAlgs((await server.get('/jwks')).body)).toEqual(['ec-1 sig ES256', 'ec-old sig ES256', 'jwt-cert sig ES256']);
    expect(kidsAndAlgs((await server.get('/ext/purpose/jwks')).body)).toEqual(['ec-old sig ES256', 'jwt-cert sig ES256']);
  });

  it('gives every published key kid, use and alg, and its certificate where it has one', async () => {
    for (const key of (await server.get('/jwks')).body.keys as JWK[]) {
      expect(key).toEqual(expect.objectContaining({ kid: expect.any(String), use: 'sig', alg: 'ES256', kty: 'EC' }));
    }
    const withCertificate = ((await server.get('/jwks')).body.keys as JWK[]).find((key) => key.kid === 'jwt-cert');
    expect(withCertificate?.x5c).toHaveLength(1);
  });

  it('publishes certificates under /ext only for keys in the JWKS: not the CA or SAML certificate', async () => {
    expect((await fetch(`${server.baseUrl}/ext/oauth/x509/kid?v=jwt-cert`)).status).toBe(200);
    for (const kid of ['ca-1', 'saml-1']) expectErrorBody(await server.get(`/ext/oauth/x509/kid?v=${kid}`), 404, 'not_found');
  });

  it('still signs SAML assertions and certificates with those keys', async () => {
    const res = await server.post('/rest-sts/ids?_action=translate', {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: 'SAML2' },
    });
    expect(res.status).toBe(200);
  });

  it('verifies the ID token of the instance against its JWKS', async () => {
    const res = await server.post('/rest-sts/ids?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    expect(res.status).toBe(200);
    await expect(jwtVerify(res.body.issued_token, createLocalJWKSet((await server.get('/oauth2/ids/jwks')).body))).resolves.toBeDefined();
  });
});

describe('refused at load', () => {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);

  async function refusal(realms: Record<string, Json>, publicBaseUrl = PUBLIC): Promise<ConfigError> {
    const dir = await writeConfigDir(realms);
    roots.push(dir.root);
    return configErrorOf(loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry, publicBaseUrl }));
  }
  const root = (keys: Json[], instances: Json) => ({ root: { realm: '/', identity_store: identityStore, keys, instances } });

  it('an instance whose oidc.issuer and access_token.issuer differ, naming both keys (and the server does not start)', async () => {
    const instance = {
      supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }, { from: 'USERNAME', to: 'JWT' }],
      oidc: oidc('https://sts.test', 'ec-1'),
      access_token: { ...accessTokens('https://other.test', 'ec-1').access_token },
    };
    const realms = root([ec('ec-1')], { both: instance });
    expectConfigProblem(
      await refusal(realms),
      'instances.both.access_token.issuer',
      /^"https:\/\/other\.test" differs from oidc\.issuer "https:\/\/sts\.test": an instance has one issuer/,
    );
    const dir = await writeConfigDir(realms);
    roots.push(dir.root);
    expectConfigProblem(await startupError(dir), 'instances.both.access_token.issuer', /differs from oidc\.issuer/);
  });

  it('two issuers that map to one path on this server', async () => {
    const error = await refusal(root([ec('a-1'), ec('b-1')], { a: idTokens('https://a.example.com', 'a-1'), b: idTokens('https://b.example.com', 'b-1') }));
    expectConfigProblem(
      error,
      'instances.a.oidc.issuer',
      /^issuer "https:\/\/a\.example\.com" and issuer "https:\/\/b\.example\.com" \(instance \/b, .*root\.yaml\) both map to the path \/ on this server/,
    );
    expectConfigProblem(error, 'instances.b.oidc.issuer', /^issuer "https:\/\/b\.example\.com" and issuer "https:\/\/a\.example\.com"/);
  });

  it('an issuer and the same URL with a terminating slash', async () => {
    expectConfigProblem(
      await refusal(root([ec('a-1'), ec('b-1')], { a: idTokens('https://sts.test/x', 'a-1'), b: accessTokens('https://sts.test/x/', 'b-1') })),
      'instances.b.access_token.issuer',
      /both map to the path \/x on this server/,
    );
  });

  it('an issuer with a query or a fragment', async () => {
    expectConfigProblem(
      await refusal(root([ec('a-1')], { a: idTokens('https://sts.test/?tenant=a', 'a-1') })),
      'instances.a.oidc.issuer',
      /has a query, fragment or user information/,
    );
  });

  it('instances sharing an issuer, several with oauth_clients and none marked issuer_primary, naming the issuer and the instances', async () => {
    const hash = await testPasswordHash();
    const clients = { oauth_clients: [{ client_id: 'c', client_secret_hash: hash }] };
    expectConfigProblem(
      await refusal(root([ec('a-1'), ec('b-1'), ec('c-1')], { a: idTokens(PUBLIC, 'a-1', clients), b: idTokens(PUBLIC, 'b-1', clients), c: idTokens(PUBLIC, 'c-1') })),
      'instances.a.issuer_primary',
      /^issuer "https:\/\/sts\.example\.com" is shared by instances \/a, \/b, \/c, and \/a, \/b have oauth_clients.*set issuer_primary: true on that instance$/,
    );
  });

  it('several instances of one issuer marked issuer_primary', async () => {
    const error = await refusal(
      root([ec('a-1'), ec('b-1')], { a: idTokens(PUBLIC, 'a-1', { issuer_primary: true }), b: idTokens(PUBLIC, 'b-1', { issuer_primary: true }) }),
    );
    for (const name of ['a', 'b']) {
      expectConfigProblem(error, `instances.${name}.issuer_primary`, /^instances \/a, \/b all set issuer_primary for issuer "https:\/\/sts\.example\.com"/);
    }
  });

  it('a key that signs tokens and certificates, or tokens and SAML assertions, unless allow_multiple_purposes', async () => {
    const ca = keyWithCertificate('ca-refused', true);
    const saml = keyWithCertificate('saml-refused', false);
    const caKey = { kid: 'ca-1', use: 'sig', private_key_file: ca.keyFile, certificate_file: ca.certFile };
    const samlKey = { kid: 'saml-1', use: 'sig', private_key_file: saml.keyFile, certificate_file: saml.certFile };
    const certs = {
      supported_token_transforms: [{ from: 'USERNAME', to: 'X509' }, { from: 'USERNAME', to: 'OPENIDCONNECT' }],
      x509_issuance: { ca_key: 'ca-1' },
      oidc: oidc(PUBLIC, 'ca-1'),
    };
    expectConfigProblem(
      await refusal(root([caKey], { certs })),
      'keys[0]',
      /^key "ca-1" serves more than one purpose: it signs ID tokens or access tokens \(instances\.certs\.oidc\.signing_key\) and signs certificates \(instances\.certs\.x509_issuance\.ca_key\)\..*set allow_multiple_purposes: true on this key$/,
    );
    const assertions = {
      supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }],
      saml2: { issuer: 'https://sts.test/saml', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', signing_key: 'saml-1' },
    };
    expectConfigProblem(
      await refusal(root([samlKey], { assertions, tokens: idTokens(PUBLIC, 'saml-1') })),
      'keys[0]',
      /^key "saml-1" serves more than one purpose: it signs ID tokens or access tokens \(instances\.tokens\.oidc\.signing_key\) and signs SAML assertions \(instances\.assertions\.saml2\.signing_key\)/,
    );
    const dir = await writeConfigDir(root([{ ...caKey, allow_multiple_purposes: true }], { certs }));
    roots.push(dir.root);
    const set = await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry, publicBaseUrl: PUBLIC });
    expect(kidsAndAlgs(set.publication.jwksOf(set.instances))).toEqual(['ca-1 sig ES256']);
  });

  it('a key that signs with two algorithms', async () => {
    const error = await refusal(
      root([rsa('rsa-1')], { a: { ...idTokens(PUBLIC, 'rsa-1'), oidc: oidc(PUBLIC, 'rsa-1', 'RS256') }, b: { ...idTokens(PUBLIC, 'rsa-1'), oidc: oidc(PUBLIC, 'rsa-1', 'PS256') } }),
    );
    expectConfigProblem(
      error,
      'keys[0]',
      /^key "rsa-1" signs with RS256 \(instances\.a\.oidc\.signing_key\) and PS256 \(instances\.b\.oidc\.signing_key\); a key serves one JWS algorithm/,
    );
  });

  it('a key whose algorithm is not the one its outputs sign with, or does not suit it', async () => {
    expectConfigProblem(
      await refusal(root([rsa('rsa-1', { algorithm: 'PS256' })], { a: { ...idTokens(PUBLIC, 'rsa-1'), oidc: oidc(PUBLIC, 'rsa-1', 'RS256') } })),
      'keys[0].algorithm',
      /^PS256, but instances\.a\.oidc\.signing_key signs with RS256; a key serves one JWS algorithm$/,
    );
    expectConfigProblem(await refusal(root([ec('ec-1', { algorithm: 'ES384' })], { a: idTokens(PUBLIC, 'ec-1') })), 'keys[0].algorithm', /ES384 needs curve P-384/);
  });

  it('a retired RSA key still published whose algorithm the realm does not tell; algorithm settles it', async () => {
    const retired = rsa('rsa-old', { retired_at: new Date(Date.now() - 60_000).toISOString() });
    const instances = { a: idTokens(PUBLIC, 'ec-1') };
    expectConfigProblem(
      await refusal(root([ec('ec-1'), retired], instances)),
      'keys[1].algorithm',
      /^retired key "rsa-old" stays published until .*\(none signs with an RSA key\): set algorithm to the one it signed with \(RS256, PS256, \.\.\.\)$/,
    );
    const dir = await writeConfigDir(root([ec('ec-1'), { ...retired, algorithm: 'PS256' }], instances));
    roots.push(dir.root);
    const set = await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry, publicBaseUrl: PUBLIC });
    expect(kidsAndAlgs(set.publication.jwksOf(set.instances))).toEqual(['ec-1 sig ES256', 'rsa-old sig PS256']);
  });

  it('a retired RSA key takes the one RSA algorithm of its realm', async () => {
    const dir = await writeConfigDir(
      root([rsa('rsa-new'), rsa('rsa-old', { retired_at: new Date(Date.now() - 60_000).toISOString() })], {
        a: { ...idTokens(PUBLIC, 'rsa-new'), oidc: oidc(PUBLIC, 'rsa-new', 'RS256') },
      }),
    );
    roots.push(dir.root);
    const set = await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry, publicBaseUrl: PUBLIC });
    expect(kidsAndAlgs(set.publication.jwksOf(set.instances))).toEqual(['rsa-new sig RS256', 'rsa-old sig RS256']);
  });

  it.each([
    ['sts.example.com', /is not an absolute URL/],
    ['ftp://sts.example.com', /must start with https:\/\//],
    ['https://sts.example.com/?a=b', /has a query or fragment/],
    ['https://sts.example.com/#top', /has a query or fragment/],
    ['https://user:pw@sts.example.com', /has user information/],
  ])('public_base_url %s: the server does not start', async (value, message) => {
    const dir = await writeConfigDir(root([ec('ec-1')], { a: idTokens(PUBLIC, 'ec-1') }), { public_base_url: value });
    roots.push(dir.root);
    const error = await startupError(dir);
    expect(error.problems).toEqual([expect.objectContaining({ path: 'public_base_url', message: expect.stringMatching(message) })]);
    expect(error.message).toMatch(/config\/server\.yaml: public_base_url: /);
  });
});

describe('reloading', () => {
  it('refuses a reload that adds an issuer on a taken path, and keeps serving the documents', async () => {
    const realm = (instances: Json) => ({ realm: '/', identity_store: identityStore, keys: [ec('a-1'), ec('b-1')], instances });
    const server = await startTestServer({ root: realm({ a: idTokens(PUBLIC, 'a-1') }) }, {}, { public_base_url: PUBLIC });
    try {
      const registry = server.app.get(RealmRegistry);
      writeFileSync(
        join(server.configDir, 'realms', 'root.yaml'),
        JSON.stringify(realm({ a: idTokens(PUBLIC, 'a-1'), b: idTokens('https://elsewhere.test', 'b-1') })),
      );
      const outcome = await registry.reload();
      expect(outcome.applied).toBe(false);
      if (!outcome.applied) expectConfigProblem(outcome.error, 'instances.b.oidc.issuer', /both map to the path \/ on this server/);
      expect((await server.get('/.well-known/openid-configuration')).body.issuer).toBe(PUBLIC);
    } finally {
      await server.close();
    }
  });
});
