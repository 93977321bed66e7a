/**
 * The trust-boundary attacks of an outside security review, replayed against the BUILT server
 * (`node dist/main.js`, as an operator runs it): one request per finding, each refused with its
 * status and code (or, for the two bugs, the behaviour now right). Every attack here succeeded
 * before its fix. The detailed cases live with each area's own e2e tests.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { parse, stringify } from 'yaml';
import { makeTestPki, type TestPki } from '../../support/client-certificate-pki';
import { expectErrorBody } from '../../support/error-body';
import { basicAuthorization, postForm } from '../../support/oauth-client';
import { removeOpensslWorkDir } from '../../support/openssl';
import { rawJsonPost } from '../../support/raw-http';
import { DEMO_PASSWORD, testPasswordHash } from '../../support/realm-fixtures';
import { killAll, startSpawnedServer, type SpawnedServer } from '../../support/spawned-server';
import type { TestResponse } from '../../support/test-server';
import { makeSamlTestIdp, signedBearerAssertion, type SamlTestIdp } from '../../support/xmlsec-assertion';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML and JSON under test

const ADMIN_TOKEN = 'admin-token-for-the-trust-boundary-tests';
const SECRET = 'client secret of the trust boundary tests';
const JWT_IDP = 'https://jwt-idp.test';
const SAML_IDP = 'https://saml-idp.test';
const SAML_AUDIENCE = 'https://sts.test/saml';
const RECIPIENT = 'https://sts.test/rest-sts/saml-a';
const TOKEN_ENDPOINT = 'https://sts.test/oauth2/exchange/token';
const HEADER = 'X-Client-Cert';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const URI = 'urn:ietf:params:oauth:token-type:';

let work: string;
let pki: TestPki;
let samlIdp: SamlTestIdp;
let jwtKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let server: SpawnedServer;
let realmFile: string;

const keys = [
  { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
  { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
];
const oidc = { issuer: 'https://sts.test', audience: ['rp-client'], signature_algorithm: 'ES256', signing_key: 'ec-1' };
const accessToken = (extra: Json = {}) => ({ issuer: 'https://sts.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1', ...extra });

async function realm(): Promise<Json> {
  const hash = await testPasswordHash(SECRET);
  const trustedJwtIssuer = { issuer: JWT_IDP, jwks_file: join(work, 'jwt-idp.json'), algorithms: ['ES256'], audiences: ['sts'] };
  const samlValidation = (recipients: string[]) => ({ trusted_idps: [{ entity_id: SAML_IDP, certificate_file: samlIdp.cert }], audience: SAML_AUDIENCE, recipients });
  return {
    realm: '/',
    identity_store: { type: 'file', users: [{ username: 'alice', password_hash: await testPasswordHash(), attributes: { ten_years: String(10 * 365 * 86400) } }] },
    keys,
    instances: {
      x509: {
        supported_token_transforms: [{ from: 'X509', to: 'OPENIDCONNECT' }],
        x509_validation: { trust_anchors_file: pki.rootFile, intermediates_file: pki.intermediateFile, client_certificate_header: HEADER, trusted_proxies: ['127.0.0.1'] },
        oidc,
      },
      exchange: {
        supported_token_transforms: [{ from: 'JWT', to: 'JWT' }, { from: 'SAML2', to: 'JWT' }],
        persist_issued_tokens: true,
        oauth_clients: [{ client_id: 'exchanger', client_secret_hash: hash }, { client_id: 'outsider', client_secret_hash: hash }],
        token_exchange: { allowed_clients: ['exchanger'] },
        oidc_validation: { trusted_issuers: [trustedJwtIssuer] },
        saml2_validation: samlValidation([TOKEN_ENDPOINT]),
        access_token: accessToken({ allowed_scopes: ['read', 'write', 'admin'] }),
      },
      at: {
        supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
        access_token: accessToken({ claim_map: { exp: 'ten_years' } }),
      },
      'saml-a': { supported_token_transforms: [{ from: 'SAML2', to: 'OPENIDCONNECT' }], saml2_validation: samlValidation([RECIPIENT]), oidc },
      'saml-b': { supported_token_transforms: [{ from: 'SAML2', to: 'OPENIDCONNECT' }], saml2_validation: samlValidation([RECIPIENT]), oidc },
      'oidc-in': {
        supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' }, { from: 'OPENIDCONNECT', to: 'SAML2' }],
        oidc_validation: { trusted_issuers: [trustedJwtIssuer] },
        oidc,
        saml2: { issuer: 'https://sts.test/saml', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', sign_assertion: false },
      },
    },
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sts-trust-'));
  pki = makeTestPki();
  samlIdp = makeSamlTestIdp(work, 'saml-idp');
  const pair = await generateKeyPair('ES256', { extractable: true });
  jwtKey = pair.privateKey;
  writeFileSync(join(work, 'jwt-idp.json'), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256' }] }));
  const configDir = join(work, 'config');
  realmFile = join(configDir, 'realms', 'root.yaml');
  mkdirSync(join(configDir, 'realms'), { recursive: true });
  writeFileSync(realmFile, stringify(await realm()));
  server = await startSpawnedServer(work, {
    STS_CONFIG_DIR: configDir,
    STS_DATA_DIR: join(work, 'data'),
    STS_PLUGINS_DIR: join(work, 'plugins'),
    STS_ADMIN_TOKEN: ADMIN_TOKEN,
    STS_LOG_LEVEL: 'warn',
  });
}, 60_000);

afterAll(async () => {
  await server?.stop().catch(() => killAll());
  removeOpensslWorkDir();
  rmSync(work, { recursive: true, force: true });
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
  const response = await fetch(server.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const jwt = (claims: Json, typ = 'JWT') =>
  new SignJWT({ aud: 'sts', sub: 'alice', ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ }).setIssuer(JWT_IDP).setIssuedAt().setExpirationTime('5m').sign(jwtKey);
const saml = (recipient: string, nameId = 'alice@saml-idp.test', attributes: Record<string, string> = {}) =>
  signedBearerAssertion(work, samlIdp, { issuer: SAML_IDP, audience: SAML_AUDIENCE, recipient, nameId, attributes: { mail: nameId, ...attributes } });
const exchanger = { authorization: basicAuthorization('exchanger', SECRET) };
const exchange = (params: Record<string, string>, headers = exchanger) => postForm(server.baseUrl, '/oauth2/exchange/token', { grant_type: GRANT, ...params }, headers);
const samlToOidc = (instance: string, assertion: string) =>
  post(`/rest-sts/${instance}?_action=translate`, { input_token_state: { token_type: 'SAML2', saml2_token: assertion }, output_token_state: { token_type: 'OPENIDCONNECT' } });
const oidcIn = (token: string, output = 'OPENIDCONNECT') =>
  post('/rest-sts/oidc-in?_action=translate', { input_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: token }, output_token_state: { token_type: output } });
const x509 = { input_token_state: { token_type: 'X509' }, output_token_state: { token_type: 'OPENIDCONNECT' } };

/** RFC 6749 section 5.2 refusal of the token endpoint. */
function refusedByTokenEndpoint(res: TestResponse, error: string): void {
  expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error, error_description: expect.any(String) } });
}

test('1. a client certificate header sent twice (a proxy appending instead of replacing) -> 400 client_certificate_header_repeated', async () => {
  const res = await rawJsonPost(server.baseUrl, '/rest-sts/x509?_action=translate', x509, [
    [HEADER, encodeURIComponent(pki.good.pem)],
    [HEADER, encodeURIComponent(pki.noSan.pem)],
  ]);
  expectErrorBody(res, 400, 'client_certificate_header_repeated');
  expectErrorBody(await post('/rest-sts/x509?_action=translate', x509, { [HEADER]: encodeURIComponent(pki.good.pem + pki.noSan.pem) }), 400, 'client_certificate_chain_invalid');
});

test('2. a SAML actor with <Attribute Name="iss"> naming the issuer may_act names -> 400 invalid_request', async () => {
  const subject = await jwt({ scope: 'read', may_act: { sub: 'svc', iss: JWT_IDP } }, 'at+jwt');
  const forgedActor = Buffer.from(saml(TOKEN_ENDPOINT, 'svc', { iss: JWT_IDP })).toString('base64url');
  const res = await exchange({ subject_token: subject, subject_token_type: `${URI}access_token`, actor_token: forgedActor, actor_token_type: `${URI}saml2` });
  refusedByTokenEndpoint(res, 'invalid_request');
});

test('3. token exchange asking for more scope than the subject token carries -> 400 invalid_scope; asking for none gets only its scope', async () => {
  const subject = await jwt({ scope: 'read' }, 'at+jwt');
  refusedByTokenEndpoint(await exchange({ subject_token: subject, subject_token_type: `${URI}access_token`, scope: 'read write admin' }), 'invalid_scope');
  const granted = await exchange({ subject_token: await jwt({ scope: 'read' }, 'at+jwt'), subject_token_type: `${URI}access_token` });
  expect([granted.status, granted.body.scope, decodeJwt(granted.body.access_token).scope]).toEqual([200, 'read', 'read']);
});

test('4. a translate naming the access token\'s client_id -> 400 client_id_not_allowed', async () => {
  const res = await post('/rest-sts/at?_action=translate', {
    input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
    output_token_state: { token_type: 'JWT', client_id: 'victim-app' },
  });
  expectErrorBody(res, 400, 'client_id_not_allowed');
});

test('5. one SAML assertion at two instances that trust its IdP -> the second 401 saml_assertion_replayed', async () => {
  const assertion = saml(RECIPIENT);
  expect((await samlToOidc('saml-a', assertion)).status).toBe(200);
  expectErrorBody(await samlToOidc('saml-b', assertion), 401, 'saml_assertion_replayed');
});

test('6. a bearer assertion whose Recipient is another endpoint -> 401 saml_recipient_mismatch', async () => {
  expectErrorBody(await samlToOidc('saml-a', saml('https://other-sp.test/acs')), 401, 'saml_recipient_mismatch');
});

test('7. a CA certificate (CA:TRUE, clientAuth) from a trusted CA as the client certificate -> 401 certificate_is_ca', async () => {
  const ca = pki.sign({ certFile: pki.rootFile, keyFile: pki.rootKeyFile }, 'trust-ca-client', '/CN=sub-ca', [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, digitalSignature, keyCertSign',
    'extendedKeyUsage = clientAuth',
  ].join('\n'));
  expectErrorBody(await post('/rest-sts/x509?_action=translate', x509, { [HEADER]: encodeURIComponent(ca.pem) }), 401, 'certificate_is_ca');
});

test('8. Keycloak- and Cognito-style access tokens (typ header JWT) as ID tokens -> 401 jwt_wrong_type', async () => {
  expectErrorBody(await oidcIn(await jwt({ typ: 'Bearer' })), 401, 'jwt_wrong_type');
  expectErrorBody(await oidcIn(await jwt({ token_use: 'access' })), 401, 'jwt_wrong_type');
});

test('9. revoking a token issued to another client -> 400 unauthorized_client, and the token stays live', async () => {
  const issued = await exchange({ subject_token: await jwt({}, 'at+jwt'), subject_token_type: `${URI}access_token` });
  const token = issued.body.access_token as string;
  expectErrorBody(await postForm(server.baseUrl, '/oauth2/exchange/revoke', { token }, { authorization: basicAuthorization('outsider', SECRET) }), 400, 'unauthorized_client');
  expect((await postForm(server.baseUrl, '/oauth2/exchange/introspect', { token }, exchanger)).body).toMatchObject({ active: true, client_id: 'exchanger' });
});

test('10. auth_time 1e308 into SAML2 -> 401 jwt_claim_invalid; a ten-year exp extension -> 24 hours', async () => {
  expectErrorBody(await oidcIn(await jwt({ auth_time: 1e308 }), 'SAML2'), 401, 'jwt_claim_invalid');
  const res = await post('/rest-sts/at?_action=translate', {
    input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
    output_token_state: { token_type: 'JWT' },
  });
  const claims = decodeJwt(res.body.issued_token);
  expect(claims.exp! - claims.iat!).toBe(24 * 3600);
});

test('11. after an admin API write, a hand edit of the same realm file is still picked up', async () => {
  const admin = await fetch(`${server.baseUrl}/sts-publish/rest/at`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ instance_state: { supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }], access_token: accessToken({ claim_map: { exp: 'ten_years' } }) } }),
  });
  expect(admin.status).toBe(200);
  await new Promise((done) => setTimeout(done, 1000)); // the reload the admin write itself causes
  const onDisk = parse(await readFile(realmFile, 'utf8'));
  onDisk.instances['by-hand'] = { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }], oidc: { ...oidc, issuer: 'https://sts.test/by-hand' } };
  writeFileSync(realmFile, stringify(onDisk));
  const translate = () => post('/rest-sts/by-hand?_action=translate', { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT' } });
  let res = await translate();
  for (let attempt = 0; res.status !== 200 && attempt < 50; attempt++) {
    await new Promise((done) => setTimeout(done, 100));
    res = await translate();
  }
  expect(res.status).toBe(200);
  expect(decodeJwt(res.body.issued_token).iss).toBe('https://sts.test/by-hand');
});

test('12. a foreign audience is quoted once in the message', async () => {
  const res = await oidcIn(await jwt({ aud: 'other' }));
  expectErrorBody(res, 401, 'jwt_audience_mismatch');
  expect(res.body.message).toBe('The JWT audience "other" does not name this service.');
});

test('the server kept serving through every attack', async () => {
  expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
  expect(readFileSync(realmFile, 'utf8')).toContain('by-hand');
});
