/**
 * OAuth client authentication over HTTPS: client secrets (Basic and post), private_key_jwt
 * assertions (RFC 7523) from a JWKS file and a JWKS URL, tls_client_auth by subject DN and by each
 * kind of SAN (RFC 8705 section 2.1), self_signed_tls_client_auth by certificate file and by JWKS
 * `x5c` (section 2.2), certificates from mutual TLS and from a trusted proxy's header; at the token,
 * introspection and revocation endpoints and at translate and cancel; certificate-bound access
 * tokens (section 3) checked against a thumbprint openssl computes; the metadata; every refusal;
 * and the load-time refusals of `oauth_clients`. Certificates are made by openssl, assertions by jose.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { ConfigError } from '../../../src/realms/config-problem';
import { loadRealms } from '../../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { clientExtensions, makeTestPki, type ClientCredentials as PkiClient, type TestPki } from '../../support/client-certificate-pki';
import { expectErrorBody } from '../../support/error-body';
import { httpsGet, httpsPost, httpsPostForm, type ClientCertificate } from '../../support/https-client';
import { basicAuthorization } from '../../support/oauth-client';
import { opensslOk, removeOpensslWorkDir, tempPath } from '../../support/openssl';
import { DEMO_PASSWORD, testPasswordHash } from '../../support/realm-fixtures';
import { startTestServer, writeConfigDir, type TestResponse, type TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const SECRET = 'client authentication test secret';
const PUBLIC_BASE = 'https://sts.test';
const TOKEN_ENDPOINT = `${PUBLIC_BASE}/oauth2/clients/token`;
/** Each instance issues as its own issuer, whose metadata names that instance's endpoints. */
const issuerOf = (instance: string) => `https://tokens.sts.test/${instance}`;
const TOKEN_ISSUER = issuerOf('clients');
const IDP = 'https://idp.test';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_URI = 'urn:ietf:params:oauth:token-type:access_token';
const HEADER = 'X-Client-Cert';
const ALL_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

let pki: TestPki;
/** A certificate with a URI and an IP address SAN from the trusted issuing CA. */
let service: PkiClient;
/** A CA certificate (CA:TRUE, fit for clientAuth) the trusted root issued. */
let caAsClient: PkiClient;
/** Self-signed: one registered by certificate file, one by JWKS x5c, one registered nowhere with alice's DN. */
let selfSigned: ClientCertificate;
let selfSignedJwks: ClientCertificate;
let selfSignedAlice: ClientCertificate;
let clientEc: { publicKey: CryptoKey; privateKey: CryptoKey };
/** Node key objects, which jose uses for RS* and PS* alike. */
let clientRsa: { publicKey: KeyObject; privateKey: KeyObject };
let idpKey: CryptoKey;
let jwksServer: Server;
let jwksUrl: string;
let files: { clientJwks: string; clientEcJwks: string; selfSignedJwks: string; idpJwks: string };

function makeSelfSigned(subject: string): ClientCertificate {
  const keyFile = tempPath('.key.pem');
  const certFile = tempPath('.crt.pem');
  opensslOk(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', subject, '-days', '2']);
  return { keyFile, certFile };
}

/** RFC 8705 `x5t#S256`, computed by openssl alone: DER, SHA-256, base64url. */
function opensslThumbprint(certFile: string): string {
  return execFileSync('sh', ['-c', 'openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A | tr "+/" "-_" | tr -d "="', 'sh', certFile], { encoding: 'utf8' }).trim();
}

const derBase64 = (certFile: string) => readFileSync(certFile, 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');

beforeAll(async () => {
  pki = makeTestPki();
  const issuing = { certFile: pki.intermediateFile, keyFile: pki.intermediateKeyFile };
  service = pki.sign(issuing, 'service', '/O=STS Test/CN=svc', clientExtensions('URI:spiffe://example.test/svc, IP:10.1.2.3'));
  caAsClient = pki.sign({ certFile: pki.rootFile, keyFile: pki.rootKeyFile }, 'ca-client', '/O=STS Test/CN=sub-ca', [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, digitalSignature, keyCertSign',
    'extendedKeyUsage = clientAuth',
  ].join('\n'));
  selfSigned = makeSelfSigned('/CN=self-signed-client');
  selfSignedJwks = makeSelfSigned('/CN=self-signed-jwks-client');
  selfSignedAlice = makeSelfSigned('/O=STS Test/OU=People/CN=alice');

  clientEc = await generateKeyPair('ES256', { extractable: true });
  clientRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const idp = await generateKeyPair('ES256', { extractable: true });
  idpKey = idp.privateKey;
  const clientJwks = { keys: [{ ...(await exportJWK(clientEc.publicKey)), kid: 'c-ec' }, { ...(await exportJWK(clientRsa.publicKey)), kid: 'c-rsa' }] };
  const selfSignedKey = new X509Certificate(readFileSync(selfSignedJwks.certFile)).publicKey;
  files = {
    clientJwks: tempPath('-client-jwks.json'),
    clientEcJwks: tempPath('-client-ec-jwks.json'),
    selfSignedJwks: tempPath('-self-signed-jwks.json'),
    idpJwks: tempPath('-idp-jwks.json'),
  };
  writeFileSync(files.clientJwks, JSON.stringify(clientJwks));
  writeFileSync(files.clientEcJwks, JSON.stringify({ keys: [clientJwks.keys[0]] }));
  writeFileSync(files.selfSignedJwks, JSON.stringify({ keys: [{ ...selfSignedKey.export({ format: 'jwk' }), x5c: [derBase64(selfSignedJwks.certFile)] }] }));
  writeFileSync(files.idpJwks, JSON.stringify({ keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'idp-1' }] }));
  // The JWKS URLs of the clients `jwt-url` (public keys) and `self-signed-url` (a certificate), on loopback (http is allowed there).
  const served: Record<string, string> = { '/jwks': JSON.stringify(clientJwks), '/certificates': readFileSync(files.selfSignedJwks, 'utf8') };
  jwksServer = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(served[req.url ?? ''] ?? '{}'));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  removeOpensslWorkDir();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

async function clients(): Promise<Json[]> {
  const hash = await testPasswordHash(SECRET);
  return [
    { client_id: 'secret-client', client_secret_hash: hash },
    { client_id: 'basic-only', token_endpoint_auth_method: 'client_secret_basic', client_secret_hash: hash },
    { client_id: 'jwt-client', token_endpoint_auth_method: 'private_key_jwt', jwks_file: files.clientJwks },
    { client_id: 'jwt-es256', token_endpoint_auth_method: 'private_key_jwt', jwks_file: files.clientEcJwks, token_endpoint_auth_signing_alg: 'ES256' },
    { client_id: 'jwt-url', token_endpoint_auth_method: 'private_key_jwt', jwks_url: `${jwksUrl}/jwks` },
    { client_id: 'mtls-dn', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=alice, OU=People, O=STS Test' },
    { client_id: 'mtls-dns', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'ALICE.example.test' },
    { client_id: 'mtls-email', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_email: 'alice@EXAMPLE.com' },
    { client_id: 'mtls-uri', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_uri: 'spiffe://example.test/svc' },
    { client_id: 'mtls-ip', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: '10.1.2.3' },
    { client_id: 'mtls-ca', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=sub-ca,O=STS Test' },
    { client_id: 'self-signed', token_endpoint_auth_method: 'self_signed_tls_client_auth', certificate_file: selfSigned.certFile },
    { client_id: 'self-signed-jwks', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks_file: files.selfSignedJwks },
    { client_id: 'self-signed-url', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks_url: `${jwksUrl}/certificates` },
  ];
}

async function instance(name: string, extra: Json = {}): Promise<Json> {
  return {
    supported_token_transforms: [
      { from: 'JWT', to: 'JWT' },
      { from: 'USERNAME', to: 'JWT' },
    ],
    persist_issued_tokens: true,
    oauth_clients: await clients(),
    token_exchange: {},
    cancel_requires_client_authentication: true,
    translate_client_authentication: 'optional',
    oidc_validation: { trusted_issuers: [{ issuer: IDP, jwks_file: files.idpJwks, algorithms: ['ES256'], audiences: ['sts'] }] },
    x509_validation: { trust_anchors_file: pki.rootFile, intermediates_file: pki.intermediateFile, client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'] },
    access_token: { issuer: issuerOf(name), audience: ['api'], client_id: 'translate-app', signature_algorithm: 'ES256', signing_key: 'ec-1' },
    ...extra,
  };
}

async function realm(): Promise<Json> {
  return {
    realm: '/',
    identity_store: { type: 'file', users: [{ username: 'alice', password_hash: await testPasswordHash(DEMO_PASSWORD), attributes: {} }] },
    keys: [{ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
    instances: {
      clients: await instance('clients'),
      required: await instance('required', { translate_client_authentication: 'required' }),
      none: await instance('none', {
        translate_client_authentication: 'none',
        cancel_requires_client_authentication: false,
        oauth_clients: [{ client_id: 'basic-only', token_endpoint_auth_method: 'client_secret_basic', client_secret_hash: await testPasswordHash(SECRET) }],
      }),
    },
  };
}

/** Claims of a client assertion for `jwt-client` valid for two minutes; `overrides` replace or (undefined) remove claims. */
function assertionClaims(overrides: Json = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: Json = { iss: 'jwt-client', sub: 'jwt-client', aud: TOKEN_ENDPOINT, iat: now, exp: now + 120, jti: randomUUID(), ...overrides };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

function assertion(overrides: Json = {}, key: CryptoKey | KeyObject = clientEc.privateKey, header: Json = { alg: 'ES256', kid: 'c-ec' }): Promise<string> {
  return new SignJWT(assertionClaims(overrides)).setProtectedHeader(header as { alg: string }).sign(key);
}

const assertionParams = (jwt: string, extra: Record<string, string> = {}) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra });

const subjectToken = (sub = 'dave') =>
  new SignJWT({ aud: 'sts' }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'at+jwt' }).setIssuer(IDP).setSubject(sub).setIssuedAt().setExpirationTime('5m').sign(idpKey);

describe('client authentication over HTTPS', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer(
      { root: await realm() },
      { tls: { keyFile: pki.serverKeyFile, certificateFile: pki.serverCertFile, clientCaFile: pki.rootFile } },
      { public_base_url: PUBLIC_BASE },
    );
    base = server.baseUrl.replace(/^http:/, 'https:');
  }, 60_000);
  afterAll(() => server?.close());

  interface Call {
    readonly client?: ClientCertificate;
    readonly headers?: Record<string, string>;
    readonly instance?: string;
  }

  /** A token exchange (the IdP's access token for dave, for an access token) with these client parameters. */
  async function exchange(params: Record<string, string>, { client, headers, instance = 'clients' }: Call = {}): Promise<TestResponse> {
    const form = { grant_type: GRANT, subject_token: await subjectToken(), subject_token_type: ACCESS_TOKEN_URI, ...params };
    return httpsPostForm(`${base}/oauth2/${instance}/token`, form, { caFile: pki.rootFile, client, headers });
  }

  const form = (endpoint: 'introspect' | 'revoke', params: Record<string, string>, call: Call = {}) =>
    httpsPostForm(`${base}/oauth2/${call.instance ?? 'clients'}/${endpoint}`, params, { caFile: pki.rootFile, client: call.client, headers: call.headers });

  const introspect = (token: string) => form('introspect', { token }, { headers: { authorization: basicAuthorization('secret-client', SECRET) } });

  const rest = (action: 'translate' | 'cancel', body: Json, call: Call = {}) =>
    httpsPost(`${base}/rest-sts/${call.instance ?? 'clients'}?_action=${action}`, body, { caFile: pki.rootFile, client: call.client, headers: call.headers });

  const translateBody = (extra: Json = {}) => ({
    input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
    output_token_state: { token_type: 'JWT' },
    ...extra,
  });

  /** The access token of a 200 exchange, decoded. */
  function issued(res: TestResponse): Json {
    expect({ status: res.status, error: res.body?.error_description ?? res.body?.message }).toEqual({ status: 200, error: undefined });
    return decodeJwt(res.body.access_token ?? res.body.issued_token);
  }

  /** RFC 6749 section 5.2: `{error, error_description}` and nothing else; a 401 names the Basic scheme. */
  function refused(res: TestResponse, status: number, error: string): void {
    expect({ status: res.status, body: res.body }).toEqual({ status, body: { error, error_description: expect.any(String) } });
    expect(res.body.error_description.length).toBeGreaterThan(0);
    if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Basic realm="/clients"');
  }

  describe('secrets', () => {
    it('accepts client_secret_basic and client_secret_post from a secret client that names no method', async () => {
      expect(issued(await exchange({}, { headers: { authorization: basicAuthorization('secret-client', SECRET) } })).client_id).toBe('secret-client');
      expect(issued(await exchange({ client_id: 'secret-client', client_secret: SECRET })).client_id).toBe('secret-client');
    });

    it('refuses client_secret_post from a client registered for client_secret_basic only', async () => {
      expect(issued(await exchange({}, { headers: { authorization: basicAuthorization('basic-only', SECRET) } })).client_id).toBe('basic-only');
      refused(await exchange({ client_id: 'basic-only', client_secret: SECRET }), 401, 'invalid_client');
    });

    it('refuses a secret for a key-based client, and a client_id alone for a secret client', async () => {
      refused(await exchange({ client_id: 'jwt-client', client_secret: SECRET }), 401, 'invalid_client');
      refused(await exchange({}, { headers: { authorization: basicAuthorization('mtls-dn', SECRET) }, client: pki.good }), 401, 'invalid_client');
      refused(await exchange({ client_id: 'secret-client' }), 401, 'invalid_client');
    });
  });

  describe('private_key_jwt (RFC 7523)', () => {
    it('authenticates a client by its signed assertion (EC and RSA keys, kid or none), issuing to it with no certificate binding', async () => {
      for (const jwt of [
        await assertion(),
        await assertion({}, clientRsa.privateKey, { alg: 'PS256', kid: 'c-rsa' }),
        await assertion({}, clientRsa.privateKey, { alg: 'RS256' }),
      ]) {
        const claims = issued(await exchange(assertionParams(jwt)));
        expect(claims).toMatchObject({ client_id: 'jwt-client', sub: 'dave' });
        expect(claims.cnf).toBeUndefined();
      }
    });

    it('takes the client from client_id when given, which must then be the assertion\'s', async () => {
      expect(issued(await exchange(assertionParams(await assertion(), { client_id: 'jwt-client' }))).client_id).toBe('jwt-client');
      refused(await exchange(assertionParams(await assertion(), { client_id: 'mtls-dn' })), 401, 'invalid_client');
    });

    it('accepts as aud the token endpoint URL, the issuer identifier (the issuer of its tokens), or a list holding one', async () => {
      for (const aud of [TOKEN_ENDPOINT, TOKEN_ISSUER, ['https://other.test', TOKEN_ENDPOINT]]) {
        expect(issued(await exchange(assertionParams(await assertion({ aud })))).client_id).toBe('jwt-client');
      }
    });

    it('reads the keys of a client from its JWKS URL', async () => {
      const jwt = await assertion({ iss: 'jwt-url', sub: 'jwt-url' });
      expect(issued(await exchange(assertionParams(jwt))).client_id).toBe('jwt-url');
    });

    it('authenticates at introspection too, and lets the client revoke the tokens issued to it', async () => {
      const token = (await exchange(assertionParams(await assertion()))).body.access_token;
      const answer = await form('introspect', { token, ...assertionParams(await assertion()) });
      expect({ status: answer.status, active: answer.body.active, client_id: answer.body.client_id }).toEqual({ status: 200, active: true, client_id: 'jwt-client' });
      expect((await form('revoke', { token, ...assertionParams(await assertion()) })).status).toBe(200);
      expect((await introspect(token)).body).toEqual({ active: false });
    });

    it('refuses the same assertion twice: its jti is spent on first use', async () => {
      const jwt = await assertion();
      issued(await exchange(assertionParams(jwt)));
      refused(await exchange(assertionParams(jwt)), 401, 'invalid_client');
      // Spent everywhere: at another endpoint and another instance of the deployment too.
      expectErrorBody(await form('introspect', { token: 'x', ...assertionParams(jwt) }, { instance: 'required' }), 401, 'invalid_client');
    });

    it.each<[string, RegExp, () => Promise<Record<string, string>>]>([
      ['signed by a key the client never registered', /no registered key with kid/, async () => {
        const stranger = await generateKeyPair('ES256');
        return assertionParams(await assertion({}, stranger.privateKey, { alg: 'ES256', kid: 'stranger' }));
      }],
      ['signed by another key under the client\'s kid', /signature does not verify/, async () => {
        const stranger = await generateKeyPair('ES256');
        return assertionParams(await assertion({}, stranger.privateKey, { alg: 'ES256', kid: 'c-ec' }));
      }],
      ['expired', /has expired/, async () => assertionParams(await assertion({ iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 }))],
      ['valid for longer than five minutes', /more than 5 minutes from now/, async () => assertionParams(await assertion({ exp: Math.floor(Date.now() / 1000) + 3600 }))],
      ['without exp', /no exp claim/, async () => assertionParams(await assertion({ exp: undefined }))],
      ['without jti', /no jti claim/, async () => assertionParams(await assertion({ jti: undefined }))],
      ['for another server (aud)', /does not name this server/, async () => assertionParams(await assertion({ aud: 'https://elsewhere.test/oauth2/clients/token' }))],
      ['for this server under another instance (aud)', /does not name this server/, async () => assertionParams(await assertion({ aud: `${PUBLIC_BASE}/oauth2/required/token` }))],
      ['for another issuer of this server (aud)', /does not name this server/, async () => assertionParams(await assertion({ aud: issuerOf('required') }))],
      ['with alg none', /not signed/, async () => assertionParams(new UnsecuredJWT(assertionClaims()).encode())],
      ['with HS256 keyed with the client\'s own public key', /needs a shared secret/, async () => {
        const publicPem = new TextEncoder().encode(await exportSPKI(clientRsa.publicKey));
        return assertionParams(await new SignJWT(assertionClaims()).setProtectedHeader({ alg: 'HS256', kid: 'c-rsa' }).sign(publicPem));
      }],
      ['with an algorithm the client is not registered for', /not allowed for this client/, async () => assertionParams(await assertion({ iss: 'jwt-es256', sub: 'jwt-es256' }, clientRsa.privateKey, { alg: 'RS256', kid: 'c-rsa' }))],
      ['whose iss is not its sub', /sub .* is not the client_id/, async () => assertionParams(await assertion({ sub: 'someone-else' }))],
      ['whose iss and sub are another client than it is signed for', /not registered for private_key_jwt/, async () => assertionParams(await assertion({ iss: 'secret-client', sub: 'secret-client' }))],
      ['without client_assertion_type', /needs client_assertion_type/, async () => ({ client_assertion: await assertion() })],
      ['with another client_assertion_type', /is not supported/, async () => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: await assertion() })],
      ['that is not a JWT', /cannot be read/, async () => assertionParams('not-a-jwt')],
    ])('refuses an assertion %s with 401 invalid_client', async (_, reason, params) => {
      const res = await exchange(await params());
      refused(res, 401, 'invalid_client');
      expect(res.body.error_description).toMatch(reason);
      expect(res.body.access_token).toBeUndefined();
    });

    it('refuses two authentication methods at once with 400 invalid_request (RFC 6749 section 2.3)', async () => {
      refused(await exchange(assertionParams(await assertion()), { headers: { authorization: basicAuthorization('secret-client', SECRET) } }), 400, 'invalid_request');
      refused(await exchange({ ...assertionParams(await assertion()), client_id: 'secret-client', client_secret: SECRET }), 400, 'invalid_request');
      refused(await exchange({ client_id: 'secret-client', client_secret: SECRET }, { headers: { authorization: basicAuthorization('secret-client', SECRET) } }), 400, 'invalid_request');
    });
  });

  describe('TLS client certificates (RFC 8705) and certificate-bound access tokens', () => {
    it('authenticates tls_client_auth by subject DN over mutual TLS and binds the access token to the certificate', async () => {
      const res = await exchange({ client_id: 'mtls-dn' }, { client: pki.good });
      const claims = issued(res);
      const thumbprint = opensslThumbprint(pki.good.certFile);
      expect(claims).toMatchObject({ client_id: 'mtls-dn', cnf: { 'x5t#S256': thumbprint } });
      const answer = await introspect(res.body.access_token);
      expect(answer.body).toMatchObject({ active: true, client_id: 'mtls-dn', cnf: { 'x5t#S256': thumbprint } });
    });

    it.each([
      ['a DNS name SAN (case-insensitive)', 'mtls-dns', () => pki.good],
      ['an e-mail SAN (domain case-insensitive)', 'mtls-email', () => pki.good],
      ['a URI SAN', 'mtls-uri', () => service],
      ['an IP address SAN', 'mtls-ip', () => service],
    ])('authenticates tls_client_auth by %s', async (_, clientId, certificate) => {
      const claims = issued(await exchange({ client_id: clientId }, { client: certificate() }));
      expect(claims).toMatchObject({ client_id: clientId, cnf: { 'x5t#S256': opensslThumbprint(certificate().certFile) } });
    });

    it('authenticates self_signed_tls_client_auth by a registered certificate file, or JWKS x5c from a file or URL, without a chain', async () => {
      for (const [clientId, certificate] of [['self-signed', selfSigned], ['self-signed-jwks', selfSignedJwks], ['self-signed-url', selfSignedJwks]] as const) {
        const claims = issued(await exchange({ client_id: clientId }, { client: certificate }));
        expect(claims).toMatchObject({ client_id: clientId, cnf: { 'x5t#S256': opensslThumbprint(certificate.certFile) } });
      }
    });

    it('takes the certificate from the trusted proxy\'s header when the handshake has none, and binds to it', async () => {
      const headers = { [HEADER]: encodeURIComponent(readFileSync(pki.good.chainFile, 'utf8')) };
      const claims = issued(await exchange({ client_id: 'mtls-dn' }, { headers }));
      expect(claims.cnf).toEqual({ 'x5t#S256': opensslThumbprint(pki.good.certFile) });
    });

    it('binds nothing for a client that authenticates otherwise over a mutual-TLS connection', async () => {
      const claims = issued(await exchange(assertionParams(await assertion()), { client: pki.good }));
      expect(claims.client_id).toBe('jwt-client');
      expect(claims.cnf).toBeUndefined();
    });

    it('lets a tls_client_auth client revoke its own token, with its certificate', async () => {
      const token = (await exchange({ client_id: 'mtls-dn' }, { client: pki.good })).body.access_token;
      expectErrorBody(await form('revoke', { token, client_id: 'mtls-dns' }, { client: service }), 401, 'invalid_client');
      expect((await form('revoke', { token, client_id: 'mtls-dn' }, { client: pki.good })).status).toBe(200);
      expect((await introspect(token)).body).toEqual({ active: false });
    });

    it.each<[string, RegExp, string, () => ClientCertificate | undefined]>([
      ['no certificate at all', /client certificate is required/, 'mtls-dn', () => undefined],
      ['a certificate with another subject DN', /does not carry the subject DN/, 'mtls-dn', () => pki.noSan],
      ['a certificate without the registered SAN', /does not carry the DNS name/, 'mtls-dns', () => pki.noSan],
      ['a certificate with another URI SAN', /does not carry the URI/, 'mtls-uri', () => pki.good],
      ['a self-signed certificate with the registered DN (no chain to a trust anchor)', /untrusted_certificate/, 'mtls-dn', () => selfSignedAlice],
      ['a certificate from an untrusted CA', /untrusted_certificate/, 'mtls-dn', () => pki.otherCa],
      ['an expired certificate', /certificate_expired/, 'mtls-dn', () => ({ keyFile: pki.expired.keyFile, certFile: pki.expired.certFile })],
      ['a CA certificate, even one a trusted root issued for clientAuth with the registered DN', /certificate_is_ca/, 'mtls-ca', () => caAsClient],
      ['a self-signed certificate that is not the registered one', /not one of the certificates registered/, 'self-signed', () => selfSignedJwks],
      ['a CA-issued certificate for a self-signed client', /not one of the certificates registered/, 'self-signed', () => pki.good],
      ['a certificate its JWKS URL does not hold', /not one of the certificates registered/, 'self-signed-url', () => selfSigned],
    ])('refuses %s with 401 invalid_client', async (_, reason, clientId, certificate) => {
      const res = await exchange({ client_id: clientId }, { client: certificate() });
      refused(res, 401, 'invalid_client');
      expect(res.body.error_description).toMatch(reason);
      expect(res.body.access_token).toBeUndefined();
    });

    it('answers a certificate refusal at introspection with the STS error body', async () => {
      expectErrorBody(await form('introspect', { token: 'x', client_id: 'mtls-dn' }, { client: pki.noSan }), 401, 'invalid_client');
      expectErrorBody(await form('introspect', { token: 'x', client_id: 'mtls-ca' }, { client: caAsClient }), 401, 'invalid_client');
    });
  });

  describe('translate and cancel', () => {
    it('translates without a client where authentication is optional: the token names the configured client', async () => {
      const claims = issued(await rest('translate', translateBody()));
      expect(claims.client_id).toBe('translate-app');
      expect(claims.cnf).toBeUndefined();
    });

    it('issues to the client that authenticates at translate: Basic, an assertion in the body, or a certificate (bound)', async () => {
      expect(issued(await rest('translate', translateBody(), { headers: { authorization: basicAuthorization('secret-client', SECRET) } })).client_id).toBe('secret-client');
      expect(issued(await rest('translate', translateBody(assertionParams(await assertion())))).client_id).toBe('jwt-client');
      const bound = issued(await rest('translate', translateBody({ client_id: 'mtls-dn' }), { client: pki.good }));
      expect(bound).toMatchObject({ client_id: 'mtls-dn', cnf: { 'x5t#S256': opensslThumbprint(pki.good.certFile) } });
    });

    it('refuses credentials that fail at translate, even where authentication is optional', async () => {
      expectErrorBody(await rest('translate', translateBody(), { headers: { authorization: basicAuthorization('secret-client', 'wrong') } }), 401, 'invalid_client');
      expectErrorBody(await rest('translate', translateBody({ client_id: 'mtls-dn' }), { client: pki.noSan }), 401, 'invalid_client');
      expectErrorBody(await rest('translate', translateBody({ client_assertion: await assertion() })), 401, 'invalid_client');
    });

    it('requires a client where translate_client_authentication is required', async () => {
      const res = await rest('translate', translateBody(), { instance: 'required' });
      expectErrorBody(res, 401, 'invalid_client');
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="/required"');
      const jwt = await assertion({ aud: `${PUBLIC_BASE}/oauth2/required/token` });
      expect(issued(await rest('translate', translateBody(assertionParams(jwt)), { instance: 'required' })).client_id).toBe('jwt-client');
    });

    it('refuses client members in the body where the instance does not authenticate clients, and leaves the Authorization header alone', async () => {
      expectErrorBody(await rest('translate', translateBody({ client_id: 'basic-only' }), { instance: 'none' }), 400, 'invalid_request');
      const claims = issued(await rest('translate', translateBody(), { instance: 'none', headers: { authorization: basicAuthorization('basic-only', 'wrong') } }));
      expect(claims.client_id).toBe('translate-app');
    });

    it('cancels with any client method: only the client a token was issued to may cancel it', async () => {
      const token = (await rest('translate', translateBody(assertionParams(await assertion())))).body.issued_token;
      const state = { cancelled_token_state: { token_type: 'JWT', jwt: token } };
      expectErrorBody(await rest('cancel', state, { headers: { authorization: basicAuthorization('secret-client', SECRET) } }), 400, 'unauthorized_client');
      expectErrorBody(await rest('cancel', state), 401, 'invalid_client');
      const cancelled = await rest('cancel', { ...state, ...assertionParams(await assertion()) });
      expect({ status: cancelled.status, body: cancelled.body }).toEqual({ status: 200, body: { result: 'JWT token cancelled successfully.' } });
      expect((await introspect(token)).body).toEqual({ active: false });
    });
  });

  describe('authorization server metadata', () => {
    /** The metadata of the issuer of the instance's tokens (RFC 8414 section 3.1: at the issuer's path). */
    const metadata = (instance: string) => httpsGet(`${base}/.well-known/oauth-authorization-server/${instance}`, { caFile: pki.rootFile });

    it('lists exactly the methods the instance\'s clients use, their signing algorithms, and certificate-bound tokens', async () => {
      const res = await metadata('clients');
      const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        issuer: TOKEN_ISSUER,
        token_endpoint: TOKEN_ENDPOINT,
        token_endpoint_auth_methods_supported: methods,
        introspection_endpoint_auth_methods_supported: methods,
        revocation_endpoint_auth_methods_supported: methods,
        token_endpoint_auth_signing_alg_values_supported: ALL_ALGORITHMS,
        introspection_endpoint_auth_signing_alg_values_supported: ALL_ALGORITHMS,
        revocation_endpoint_auth_signing_alg_values_supported: ALL_ALGORITHMS,
        tls_client_certificate_bound_access_tokens: true,
      });
    });

    it('lists only client_secret_basic for an instance whose one client uses it, and nothing about assertions or binding', async () => {
      const res = await metadata('none');
      expect(res.body.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic']);
      expect(res.body.revocation_endpoint_auth_methods_supported).toEqual(['client_secret_basic']);
      expect(res.body).not.toHaveProperty('token_endpoint_auth_signing_alg_values_supported');
      expect(res.body).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
    });
  });
});

describe('oauth_clients load-time refusals', () => {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const roots: string[] = [];
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  async function problems(client: Json, extra: Json = {}): Promise<{ path: string; message: string }[]> {
    const instance = {
      supported_token_transforms: [{ from: 'JWT', to: 'JWT' }],
      oidc_validation: { trusted_issuers: [{ issuer: IDP, jwks_file: files.idpJwks, algorithms: ['ES256'], audiences: ['sts'] }] },
      access_token: { issuer: TOKEN_ISSUER, audience: ['api'], client_id: 'translate-app', signature_algorithm: 'ES256', signing_key: 'ec-1' },
      x509_validation: { trust_anchors_file: pki.rootFile },
      oauth_clients: [client],
      ...extra,
    };
    const dir = await writeConfigDir({ root: { realm: '/', keys: [{ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }], instances: { x: instance } } });
    roots.push(dir.root);
    try {
      await loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry });
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems.map(({ path, message }) => ({ path, message }));
    }
  }

  it('loads every kind of client (so each refusal below is about its one change)', async () => {
    expect(await problems({ client_id: 'a', token_endpoint_auth_method: 'private_key_jwt', jwks_file: files.clientJwks })).toEqual([]);
    expect(await problems({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example' })).toEqual([]);
    expect(await problems({ client_id: 'a', token_endpoint_auth_method: 'self_signed_tls_client_auth', certificate_file: selfSigned.certFile })).toEqual([]);
  });

  it.each<[string, () => Json, Json, string, RegExp]>([
    ['an unknown method', () => ({ client_id: 'a', token_endpoint_auth_method: 'client_secret_jwt' }), {}, 'instances.x.oauth_clients[0].token_endpoint_auth_method', /must be one of: client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth/],
    ['private_key_jwt without keys', () => ({ client_id: 'a', token_endpoint_auth_method: 'private_key_jwt' }), {}, 'instances.x.oauth_clients[0]', /set exactly one of jwks_file and jwks_url/],
    ['private_key_jwt with a secret', () => ({ client_id: 'a', token_endpoint_auth_method: 'private_key_jwt', jwks_file: files.clientJwks, client_secret_env: 'A_SECRET' }), {}, 'instances.x.oauth_clients[0].client_secret_env', /private_key_jwt client authenticates without a secret; remove client_secret_env/],
    ['a secret client with a JWKS', () => ({ client_id: 'a', client_secret_env: 'A_SECRET', jwks_file: files.clientJwks }), {}, 'instances.x.oauth_clients[0].jwks_file', /set token_endpoint_auth_method/],
    ['a JWKS file with a private key', () => ({ client_id: 'a', token_endpoint_auth_method: 'private_key_jwt', jwks_file: privateJwksFile() }), {}, 'instances.x.oauth_clients[0].jwks_file', /contains a private key/],
    ['a JWKS URL over plain http to another host', () => ({ client_id: 'a', token_endpoint_auth_method: 'private_key_jwt', jwks_url: 'http://keys.example.com/jwks' }), {}, 'instances.x.oauth_clients[0].jwks_url', /must use https/],
    ['an HMAC signing algorithm', () => ({ client_id: 'a', token_endpoint_auth_method: 'private_key_jwt', jwks_file: files.clientJwks, token_endpoint_auth_signing_alg: 'HS256' }), {}, 'instances.x.oauth_clients[0].token_endpoint_auth_signing_alg', /no none, no HS\*/],
    ['tls_client_auth naming two things', () => ({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example', tls_client_auth_subject_dn: 'CN=a' }), {}, 'instances.x.oauth_clients[0]', /set exactly one of tls_client_auth_subject_dn, .* and tls_client_auth_san_email/],
    ['tls_client_auth without x509_validation', () => ({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example' }), { x509_validation: undefined }, 'instances.x.oauth_clients[0].token_endpoint_auth_method', /x509_validation/],
    ['a subject DN that is not one', () => ({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'alice' }), {}, 'instances.x.oauth_clients[0].tls_client_auth_subject_dn', /RFC 4514/],
    ['an IP SAN that is not an address', () => ({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_ip: '10.1.2' }), {}, 'instances.x.oauth_clients[0].tls_client_auth_san_ip', /must be an IP address/],
    ['a self-signed client whose JWKS has no x5c', () => ({ client_id: 'a', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks_file: files.clientJwks }), {}, 'instances.x.oauth_clients[0].jwks_file', /no readable certificate in x5c/],
    ['a self-signed client with DN keys', () => ({ client_id: 'a', token_endpoint_auth_method: 'self_signed_tls_client_auth', certificate_file: selfSigned.certFile, tls_client_auth_subject_dn: 'CN=a' }), {}, 'instances.x.oauth_clients[0].tls_client_auth_subject_dn', /not used by self_signed_tls_client_auth \(only by tls_client_auth\)/],
    ['a key-based client without a method', () => ({ client_id: 'a', certificate_file: selfSigned.certFile }), {}, 'instances.x.oauth_clients[0]', /no secret: .* or set token_endpoint_auth_method/],
    ['translate client authentication without clients', () => ({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example' }), { oauth_clients: [], translate_client_authentication: 'required' }, 'instances.x.translate_client_authentication', /needs at least one entry in oauth_clients/],
    ['an unknown translate_client_authentication', () => ({ client_id: 'a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example' }), { translate_client_authentication: 'sometimes' }, 'instances.x.translate_client_authentication', /must be one of: none, optional, required/],
  ])('refuses %s', async (_, client, extra, path, message) => {
    const found = await problems(client(), extra);
    expect(found).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

function privateJwksFile(): string {
  const file = tempPath('-private-jwks.json');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, JSON.stringify({ keys: [privateKey.export({ format: 'jwk' })] }));
  return file;
}
