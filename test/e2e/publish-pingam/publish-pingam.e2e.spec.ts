/**
 * The admin publish API spoken as PingAM speaks it: the `invocation_context` / `instance_state`
 * envelope with PingAM's kebab-case keys, answers with `_id` and `_rev`, `If-Match` on update and
 * delete, the admin token in `iPlanetDirectoryPro`, and a translate on the published instance.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { clientSecretKid } from '../../../src/realms/publish/pingam-instance-mapping';
import { makeTestPki, type TestPki } from '../../support/client-certificate-pki';
import { parse } from 'yaml';
import { expectErrorBody } from '../../support/error-body';
import { rootRealm, testPasswordHash, usernameTo } from '../../support/realm-fixtures';
import { startTestServer, TestResponse, TestServer } from '../../support/test-server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test

const ADMIN_TOKEN = 'admin-token-for-the-pingam-publish-tests';
const PUBLISH = '/sts-publish/rest';
const SUBREALM = '/subrealm2021890344';
const ID = 'subrealm2021890344/rest_sts_instance1049252330';

/**
 * PingAM's publish payload as its client SDK posts it, copied unchanged from the comment on
 * RestSTSInstancePublisher#publishInstance in OpenAM's STS sample code
 * (OpenIdentityPlatform/OpenAM, openam-samples/sts-example-code/RestSTSInstancePublisher.java);
 * the PingAM/OpenAM developer guide (dev-guide/chap-sts.adoc, "Publishing STS Instances") shows
 * the same envelope with parts elided and points to this sample for the complete instance_state.
 */
const PINGAM_SAMPLE: Json = {
  invocation_context: 'invocation_context_client_sdk',
  instance_state: {
    'oidc-id-token-config': {
      'oidc-issuer': 'oidc_issuer',
      'oidc-public-key-reference-type': 'NONE',
      'oidc-token-lifetime-seconds': '600',
      'oidc-authorized-party': null,
      'oidc-audience': ['oidc_audience'],
      'oidc-signature-algorithm': 'HS256',
      'oidc-claim-map': { email: 'mail' },
      'oidc-custom-claim-mapper-class': null,
      'oidc-custom-authn-context-mapper-class': null,
      'oidc-custom-authn-method-references-mapper-class': null,
      'oidc-keystore-location': null,
      'oidc-keystore-password': null,
      'oidc-client-secret': 'bobo',
      'oidc-signature-key-alias': null,
      'oidc-signature-key-password': null,
    },
    'supported-token-transforms': [
      { inputTokenType: 'X509', outputTokenType: 'OPENIDCONNECT', invalidateInterimOpenAMSession: true },
      { inputTokenType: 'OPENIDCONNECT', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: true },
      { inputTokenType: 'OPENIDCONNECT', outputTokenType: 'OPENIDCONNECT', invalidateInterimOpenAMSession: true },
      { inputTokenType: 'USERNAME', outputTokenType: 'OPENIDCONNECT', invalidateInterimOpenAMSession: true },
      { inputTokenType: 'USERNAME', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: true },
      { inputTokenType: 'OPENAM', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: false },
      { inputTokenType: 'X509', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: true },
      { inputTokenType: 'OPENAM', outputTokenType: 'OPENIDCONNECT', invalidateInterimOpenAMSession: false },
    ],
    'persist-issued-tokens-in-cts': 'true',
    'saml2-config': {
      'issuer-name': 'http://idp.com:8080/openam',
      'saml2-name-id-format': 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      'saml2-token-lifetime-seconds': '600',
      'saml2-custom-conditions-provider-class-name': null,
      'saml2-custom-subject-provider-class-name': null,
      'saml2-custom-attribute-statements-provider-class-name': null,
      'saml2-custom-attribute-mapper-class-name': null,
      'saml2-custom-authn-context-mapper-class-name': null,
      'saml2-custom-authentication-statements-provider-class-name': null,
      'saml2-custom-authz-decision-statements-provider-class-name': null,
      'saml2-sign-assertion': 'true',
      'saml2-encrypt-assertion': 'false',
      'saml2-encrypt-attributes': 'false',
      'saml2-encrypt-nameid': 'false',
      'saml2-encryption-algorithm': 'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
      'saml2-encryption-algorithm-strength': '128',
      'saml2-attribute-map': { email: 'mail' },
      'saml2-keystore-filename': '/Users/DirkHogan/openam/openam/keystore.jks',
      'saml2-keystore-password': 'changeit',
      'saml2-sp-acs-url': 'http://sp.com:8080/openam/acs',
      'saml2-sp-entity-id': 'http://sp.com:8080/openam',
      'saml2-signature-key-alias': 'test',
      'saml2-signature-key-password': 'changeit',
      'saml2-encryption-key-alias': 'test',
    },
    'deployment-config': {
      'deployment-url-element': 'rest_sts_instance1049252330',
      'deployment-realm': '/subrealm2021890344',
      'deployment-auth-target-mappings': {
        X509: { 'mapping-auth-index-type': 'module', 'mapping-auth-index-value': 'cert_module', 'mapping-context': { x509_token_auth_target_header_key: 'client_cert' } },
        OPENIDCONNECT: { 'mapping-auth-index-type': 'module', 'mapping-auth-index-value': 'oidc_module', 'mapping-context': { oidc_id_token_auth_target_header_key: 'oidc_id_token' } },
        USERNAME: { 'mapping-auth-index-type': 'service', 'mapping-auth-index-value': 'ldapService' },
      },
      'deployment-offloaded-two-way-tls-header-key': 'also_client_cert',
      'deployment-tls-offload-engine-hosts': ['10.0.0.6', '127.0.0.1'],
    },
  },
};

/**
 * The sample with its one value this STS refuses replaced: `oidc-client-secret` ("bobo", 4 bytes)
 * signs HS256 ID tokens, and RFC 7518 section 3.2 requires a secret of at least 32 bytes for
 * HS256. Every other key and value is PingAM's, keystore paths and passwords included.
 */
const CLIENT_SECRET = randomBytes(32).toString('base64url');
function publishable(): Json {
  const body = structuredClone(PINGAM_SAMPLE);
  body.instance_state['oidc-id-token-config']['oidc-client-secret'] = CLIENT_SECRET;
  return body;
}

describe('admin publish API in PingAM wire format', () => {
  let server: TestServer;
  let subrealmFile: string;

  beforeAll(async () => {
    const subrealm = {
      realm: SUBREALM,
      identity_store: {
        type: 'file',
        users: [
          { username: 'alice', password_hash: await testPasswordHash(), attributes: { mail: 'alice@example.com' } },
          // The user of PingAM's documented translate example.
          { username: 'demo', password_hash: await testPasswordHash('changeit'), attributes: { mail: 'demo@example.com' } },
        ],
      },
      keys: [
        { kid: 'test', use: 'sig', generate: { type: 'rsa', size: 2048 } },
        { kid: 'oidc-rs', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      ],
      instances: {},
    };
    server = await startTestServer({ root: await rootRealm(), sub: subrealm }, { adminToken: ADMIN_TOKEN }, { admin_token_header: 'iPlanetDirectoryPro' });
    subrealmFile = join(server.configDir, 'realms', 'sub.yaml');
  });
  afterAll(() => server?.close());

  /**
   * A call as PingAM's publisher sample makes it: the admin session in the cookie
   * `iPlanetDirectoryPro`, no Authorization, and on PUT the CREST version header.
   */
  async function pingAm(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    const response = await fetch(server.baseUrl + path, {
      method,
      headers: {
        cookie: `iPlanetDirectoryPro=${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'PUT' ? { 'accept-api-version': 'protocol=1.0, resource=1.0' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }
  const subrealmOnDisk = async () => readFile(subrealmFile, 'utf8');
  const translate = (body: Json) => server.post(`/rest-sts/${ID}?_action=translate`, body);

  const secretFiles = async () => (await readdir(join(server.dataDir, 'keys')).catch(() => [] as string[])).filter((f) => f.startsWith('pingam-'));

  it('refuses the unchanged sample for its 4-byte HS256 secret only, naming the key, and writes nothing', async () => {
    const before = await subrealmOnDisk();
    const res = await pingAm('POST', `${PUBLISH}?_action=create`, PINGAM_SAMPLE);
    expectErrorBody(res, 400, 'pingam_value_invalid');
    expect(res.body.message).toContain('oidc-id-token-config.oidc-client-secret is 4 bytes long; HS256 needs a secret of at least 32 bytes');
    expect(res.body.message).not.toContain('bobo');
    expect(await subrealmOnDisk()).toBe(before);
    expect(await secretFiles()).toEqual([]);
  });

  describe('the published instance, from create to delete', () => {
    let created: TestResponse;
    /** The _rev while oidc-token-lifetime-seconds was 300: stale once the update below is undone. */
    let updatedRev: string;
    beforeAll(async () => {
      created = await pingAm('POST', `${PUBLISH}?_action=create`, publishable());
    });

    it('creates it: 201 with _id without a leading slash, _rev (also the ETag), result and url_element', () => {
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ _id: ID, _rev: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), result: 'success', url_element: ID });
      expect(created.headers.get('etag')).toBe(`"${created.body._rev}"`);
    });

    const SECRET_KID = clientSecretKid(SUBREALM, 'rest_sts_instance1049252330');

    it('writes the mapped keys into the realm file, and no keystore path, password or secret', async () => {
      const text = await subrealmOnDisk();
      expect(text).not.toContain('changeit');
      expect(text).not.toContain('keystore');
      expect(text).not.toContain(CLIENT_SECRET);
      const file = parse(text);
      expect(file.instances.rest_sts_instance1049252330).toEqual({
        oidc: {
          issuer: 'oidc_issuer',
          token_lifetime_seconds: 600,
          audience: ['oidc_audience'],
          signature_algorithm: 'HS256',
          claim_map: { email: 'mail' },
          signing_key: SECRET_KID,
        },
        supported_token_transforms: [
          ...PINGAM_SAMPLE.instance_state['supported-token-transforms'].map((t: Json) => ({ from: t.inputTokenType, to: t.outputTokenType })),
          { from: 'USERNAME', to: 'SESSION' },
        ],
        persist_issued_tokens: true,
        pingam_compatibility: true,
        saml2: {
          issuer: 'http://idp.com:8080/openam',
          name_id_format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
          token_lifetime_seconds: 600,
          sign_assertion: true,
          attribute_map: { email: 'mail' },
          sp_acs_url: 'http://sp.com:8080/openam/acs',
          sp_entity_id: 'http://sp.com:8080/openam',
          signing_key: 'test',
        },
        x509_validation: { client_certificate_header: 'also_client_cert', trusted_proxies: ['10.0.0.6', '127.0.0.1'], proxy_verifies_chain: true },
        oidc_validation: { trusted_issuers: [{ issuer: 'oidc_issuer', realm_key: SECRET_KID, algorithms: ['HS256'], audiences: ['oidc_audience'] }] },
        session: { form: 'opaque' },
      });
      expect(file.keys).toContainEqual({ kid: SECRET_KID, use: 'sig', generate: { type: 'oct', size: 344 } });
    });

    it('keeps the secret beside the generated keys, readable by the server alone', async () => {
      const file = join(server.dataDir, 'keys', `${SECRET_KID}.secret`);
      expect(Buffer.from(await readFile(file, 'utf8'), 'base64url').toString('utf8')).toBe(CLIENT_SECRET);
      expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o600);
    });

    it('reads it back as {_id, _rev, <_id>: instance_state} in PingAM keys, with the transforms PingAM published', async () => {
      const res = await pingAm('GET', `${PUBLISH}/${ID}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual([ID, '_id', '_rev'].sort());
      expect(res.body).toMatchObject({ _id: ID, _rev: created.body._rev });
      expect(res.headers.get('etag')).toBe(`"${created.body._rev}"`);
      const state = res.body[ID];
      expect(state['deployment-config']).toEqual({
        'deployment-url-element': 'rest_sts_instance1049252330',
        'deployment-realm': SUBREALM,
        'deployment-offloaded-two-way-tls-header-key': 'also_client_cert',
        'deployment-tls-offload-engine-hosts': ['10.0.0.6', '127.0.0.1'],
      });
      expect(state['persist-issued-tokens-in-cts']).toBe('true');
      expect(state['oidc-id-token-config']).toMatchObject({ 'oidc-issuer': 'oidc_issuer', 'oidc-token-lifetime-seconds': '600', 'oidc-signature-key-alias': SECRET_KID });
      expect(JSON.stringify(res.body)).not.toContain(CLIENT_SECRET);
      expect(state['saml2-config']).toMatchObject({ 'issuer-name': 'http://idp.com:8080/openam', 'saml2-sign-assertion': 'true', 'saml2-signature-key-alias': 'test' });
      expect(state['supported-token-transforms']).toEqual(
        PINGAM_SAMPLE.instance_state['supported-token-transforms'].map((t: Json) => ({ ...t, invalidateInterimOpenAMSession: false })),
      );
    });

    it('lists every instance by _id in PingAM keys, as PingAM lists published_instances', async () => {
      const res = await pingAm('GET', PUBLISH);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ _id: 'published_instances', _rev: '', default: expect.any(Object), hs256: expect.any(Object) });
      expect(res.body[ID]['deployment-config']).toMatchObject({ 'deployment-url-element': 'rest_sts_instance1049252330', 'deployment-realm': SUBREALM });
      expect(res.body.default['oidc-id-token-config']['oidc-signature-key-alias']).toBe('rsa-1');
    });

    it('answers our own format to a client that neither sends PingAM headers nor PingAM bodies', async () => {
      const res = await fetch(`${server.baseUrl}${PUBLISH}/${ID}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ realm: SUBREALM, name: 'rest_sts_instance1049252330', persist_issued_tokens: true });
    });

    /** An ID token of the instance, as PingAM's USERNAME -> OPENIDCONNECT gives it. */
    const idToken = async () => (await translate(usernameTo('OPENIDCONNECT', { nonce: 'n-1', allow_access: true }))).body.issued_token as string;

    it('USERNAME -> OPENIDCONNECT: an HS256 ID token the relying party verifies with its client secret, iss as PingAM names it', async () => {
      const token = await idToken();
      expect(decodeProtectedHeader(token).alg).toBe('HS256');
      const { payload } = await jwtVerify(token, new TextEncoder().encode(CLIENT_SECRET), { issuer: 'oidc_issuer', audience: 'oidc_audience' });
      expect(payload).toMatchObject({ sub: 'alice', email: 'alice@example.com', nonce: 'n-1' });
      await expect(jwtVerify(token, new TextEncoder().encode(`${CLIENT_SECRET}x`))).rejects.toThrow();
    });

    it('USERNAME -> SAML2 with the SAML settings of the sample', async () => {
      const saml = await translate(usernameTo('SAML2', { subject_confirmation: 'BEARER' }));
      expect(saml.status).toBe(200);
      expect(saml.body.issued_token).toContain('<saml:Issuer>http://idp.com:8080/openam</saml:Issuer>');
      expect(saml.body.issued_token).toContain('http://sp.com:8080/openam');
    });

    describe('OPENIDCONNECT input: the instance takes its own ID tokens back', () => {
      const oidcInput = (token: string) => ({ token_type: 'OPENIDCONNECT', oidc_id_token: token });

      it('-> SAML2 and -> OPENIDCONNECT', async () => {
        const token = await idToken();
        const saml = await translate({ input_token_state: oidcInput(token), output_token_state: { token_type: 'SAML2', subject_confirmation: 'BEARER' } });
        expect(saml.status).toBe(200);
        expect(saml.body.issued_token).toMatch(/<saml:NameID[^>]*>alice<\/saml:NameID>/);
        const oidc = await translate({ input_token_state: oidcInput(token), output_token_state: { token_type: 'OPENIDCONNECT', nonce: 'n-2' } });
        expect(oidc.status).toBe(200);
        expect(decodeJwt(oidc.body.issued_token)).toMatchObject({ iss: 'oidc_issuer', sub: 'alice', nonce: 'n-2' });
      });

      it('refuses a token signed with another secret (401 jwt_signature_invalid) and one with alg none or RS256 (401 jwt_algorithm_not_allowed)', async () => {
        const [header, payload] = (await idToken()).split('.');
        const forged = `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
        expectErrorBody(await translate({ input_token_state: oidcInput(forged), output_token_state: { token_type: 'OPENIDCONNECT' } }), 401, 'jwt_signature_invalid');
        for (const alg of ['none', 'RS256']) {
          const other = `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${payload}.${alg === 'none' ? '' : 'c2ln'}`;
          expectErrorBody(await translate({ input_token_state: oidcInput(other), output_token_state: { token_type: 'OPENIDCONNECT' } }), 401, 'jwt_algorithm_not_allowed');
        }
      });
    });

    describe('X509 input from the TLS offload header of a listed host', () => {
      let pki: TestPki;
      beforeAll(() => {
        pki = makeTestPki();
      });
      const x509To = (header: string | undefined) =>
        server.post(`/rest-sts/${ID}?_action=translate`, { input_token_state: { token_type: 'X509' }, output_token_state: { token_type: 'OPENIDCONNECT' } }, header === undefined ? {} : { also_client_cert: header });

      it('-> OPENIDCONNECT for the certificate the offload engine passed on (base64 DER, as PingAM reads it)', async () => {
        const res = await x509To(pki.good.der.toString('base64'));
        expect(res.status).toBe(200);
        expect(decodeJwt(res.body.issued_token).sub).toEqual(expect.any(String));
      });

      it('still refuses an expired certificate (401 certificate_expired) and a CA certificate as client (401 certificate_is_ca)', async () => {
        expectErrorBody(await x509To(pki.expired.der.toString('base64')), 401, 'certificate_expired');
        const rootDer = Buffer.from((await readFile(pki.rootFile, 'utf8')).replace(/-----[^-]+-----|\s/g, ''), 'base64');
        expectErrorBody(await x509To(rootDer.toString('base64')), 401, 'certificate_is_ca');
      });

      it('without the header: 401 client_certificate_required', async () => {
        expectErrorBody(await x509To(undefined), 401, 'client_certificate_required');
      });
    });

    describe('OPENAM input: a session opened on the instance', () => {
      const openSession = async () => (await translate(usernameTo('SESSION'))).body.issued_token as string;
      const openAm = (sessionId: string, output: Json) => translate({ input_token_state: { token_type: 'OPENAM', session_id: sessionId }, output_token_state: output });

      it('-> SAML2 and -> OPENIDCONNECT without the password again', async () => {
        const sessionId = await openSession();
        expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const saml = await openAm(sessionId, { token_type: 'SAML2', subject_confirmation: 'BEARER' });
        expect(saml.status).toBe(200);
        expect(saml.body.issued_token).toMatch(/<saml:NameID[^>]*>alice<\/saml:NameID>/);
        const oidc = await openAm(sessionId, { token_type: 'OPENIDCONNECT' });
        expect(oidc.status).toBe(200);
        expect(decodeJwt(oidc.body.issued_token)).toMatchObject({ sub: 'alice', iss: 'oidc_issuer' });
      });

      it('refuses an unknown session with 401 and a session after logout with 401', async () => {
        expect((await openAm(randomBytes(32).toString('base64url'), { token_type: 'OPENIDCONNECT' })).status).toBe(401);
        const sessionId = await openSession();
        expect((await server.post(`/rest-sts/${ID}?_action=cancel`, { cancelled_token_state: { token_type: 'OPENAM', session_id: sessionId } })).status).toBe(200);
        expect((await openAm(sessionId, { token_type: 'OPENIDCONNECT' })).status).toBe(401);
      });
    });

    it("runs PingAM's documented translate example unchanged (USERNAME -> SAML2 bearer assertion)", async () => {
      // From the PingAM/OpenAM developer guide (dev-guide/chap-sts.adoc, "Testing REST STS Instances").
      const res = await translate({
        input_token_state: { token_type: 'USERNAME', username: 'demo', password: 'changeit' },
        output_token_state: { token_type: 'SAML2', subject_confirmation: 'BEARER' },
      });
      expect(res.status).toBe(200);
      expect(res.body.issued_token).toMatch(/^<saml:Assertion /);
      expect(res.body.issued_token).toContain('urn:oasis:names:tc:SAML:2.0:cm:bearer');
    });

    it('reads SAML2 output as PingAM does: without subject_confirmation, 400 subject_confirmation_required', async () => {
      const res = await translate({ input_token_state: { token_type: 'USERNAME', username: 'demo', password: 'changeit' }, output_token_state: { token_type: 'SAML2' } });
      expectErrorBody(res, 400, 'subject_confirmation_required');
      expect(res.body.message).toContain('BEARER');
    });

    describe('update with If-Match', () => {
      let firstRev: string;

      it('takes the GET answer back as PUT, with If-Match of its _rev: 200 with a new _rev', async () => {
        const read = await pingAm('GET', `${PUBLISH}/${ID}`);
        firstRev = read.body._rev;
        const state = read.body[ID];
        state['oidc-id-token-config']['oidc-token-lifetime-seconds'] = '300';
        const res = await pingAm('PUT', `${PUBLISH}/${ID}`, { invocation_context: 'invocation_context_client_sdk', instance_state: state }, { 'if-match': firstRev });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ _id: ID, _rev: expect.any(String), result: 'success', url_element: ID });
        updatedRev = res.body._rev;
        expect(updatedRev).not.toBe(firstRev);
        expect(parse(await subrealmOnDisk()).instances.rest_sts_instance1049252330.oidc.token_lifetime_seconds).toBe(300);
        const token = decodeJwt((await translate(usernameTo('OPENIDCONNECT'))).body.issued_token);
        expect(token.exp! - token.iat!).toBe(300);
      });

      it('refuses a stale revision with 412 revision_mismatch, quoted or not, and leaves the file', async () => {
        const before = await subrealmOnDisk();
        for (const stale of [firstRev, `"${firstRev}"`, `W/"${firstRev}"`]) {
          const res = await pingAm('PUT', `${PUBLISH}/${ID}`, publishable(), { 'if-match': stale });
          expectErrorBody(res, 412, 'revision_mismatch');
        }
        expect(await subrealmOnDisk()).toBe(before);
      });

      it('accepts If-Match: * and a list holding the current revision', async () => {
        expect((await pingAm('PUT', `${PUBLISH}/${ID}`, publishable(), { 'if-match': '*' })).status).toBe(200);
        const current = (await pingAm('GET', `${PUBLISH}/${ID}`)).body._rev;
        expect((await pingAm('PUT', `${PUBLISH}/${ID}`, publishable(), { 'if-match': `"other", "${current}"` })).status).toBe(200);
      });

      it('replaces the stored secret when PingAM republishes with a new one', async () => {
        const next = randomBytes(48).toString('base64url');
        const body = publishable();
        body.instance_state['oidc-id-token-config']['oidc-client-secret'] = next;
        expect((await pingAm('PUT', `${PUBLISH}/${ID}`, body)).status).toBe(200);
        const token = (await translate(usernameTo('OPENIDCONNECT'))).body.issued_token;
        await expect(jwtVerify(token, new TextEncoder().encode(next))).resolves.toBeDefined();
        await expect(jwtVerify(token, new TextEncoder().encode(CLIENT_SECRET))).rejects.toThrow();
        expect((await pingAm('PUT', `${PUBLISH}/${ID}`, publishable())).status).toBe(200);
      });

      it('keeps the same _rev for the same stored state (the revision is a hash, not a counter)', async () => {
        const before = (await pingAm('GET', `${PUBLISH}/${ID}`)).body._rev;
        const res = await pingAm('PUT', `${PUBLISH}/${ID}`, publishable());
        expect(res.body._rev).toBe(before);
      });

      it('refuses a PUT whose instance_state names another instance', async () => {
        const body = publishable();
        body.instance_state['deployment-config']['deployment-url-element'] = 'renamed';
        expectErrorBody(await pingAm('PUT', `${PUBLISH}/${ID}`, body), 400, 'invalid_request');
      });
    });

    describe('refusals, each naming what is wrong', () => {
      it.each([
        ['an unknown key', (b: Json) => (b.instance_state['saml2-config']['saml2-sign-response'] = 'true'), 'pingam_key_unknown', 'saml2-config.saml2-sign-response'],
        ['another invocation context', (b: Json) => (b.invocation_context = 'invocation_context_view_bean'), 'pingam_invocation_context', 'invocation_context'],
        ['a lifetime that is not a number', (b: Json) => (b.instance_state['oidc-id-token-config']['oidc-token-lifetime-seconds'] = 'ten'), 'pingam_value_invalid', 'oidc-token-lifetime-seconds'],
        ['encryption asked for', (b: Json) => (b.instance_state['saml2-config']['saml2-encrypt-assertion'] = 'true'), 'pingam_key_unsupported', 'saml2-encrypt-assertion'],
        ['a missing url element', (b: Json) => delete b.instance_state['deployment-config']['deployment-url-element'], 'pingam_key_missing', 'deployment-url-element'],
        ['a field beside the envelope', (b: Json) => (b.extra = 1), 'invalid_request', 'extra'],
      ])('%s', async (_what, change, code, named) => {
        const body = publishable();
        body.instance_state['deployment-config']['deployment-url-element'] = 'other';
        change(body);
        const res = await pingAm('POST', `${PUBLISH}?_action=create`, body);
        expectErrorBody(res, 400, code);
        expect(res.body.message).toContain(named);
      });

      it('a key alias that names no realm key: 400 invalid_instance_state from the realm checks', async () => {
        const body = publishable();
        Object.assign(body.instance_state['deployment-config'], { 'deployment-url-element': 'other' });
        body.instance_state['saml2-config']['saml2-signature-key-alias'] = 'missing';
        const res = await pingAm('POST', `${PUBLISH}?_action=create`, body);
        expectErrorBody(res, 400, 'invalid_instance_state');
        expect(res.body.message).toContain('instances.other.saml2.signing_key');
        // The secret stored for the refused instance is gone again; the published one's stays.
        expect(await secretFiles()).toEqual([`${clientSecretKid(SUBREALM, 'rest_sts_instance1049252330')}.secret`]);
        expect(parse(await subrealmOnDisk()).keys.map((k: Json) => k.kid)).not.toContain(clientSecretKid(SUBREALM, 'other'));
      });
    });

    describe('the admin token in iPlanetDirectoryPro', () => {
      it.each([
        ['a wrong token', { iPlanetDirectoryPro: `wrong-${ADMIN_TOKEN}` }],
        ['an empty header', { iPlanetDirectoryPro: '' }],
        ['the token in another header', { 'x-iplanetdirectorypro': ADMIN_TOKEN }],
        ['a wrong token in the cookie', { cookie: `iPlanetDirectoryPro=wrong-${ADMIN_TOKEN}` }],
        ['an empty cookie', { cookie: 'iPlanetDirectoryPro=' }],
        ['the token in another cookie', { cookie: `amlbcookie=${ADMIN_TOKEN}` }],
        ['a cookie header that is not one', { cookie: ADMIN_TOKEN }],
      ])('refuses %s with 401 admin_unauthorized', async (_what, headers) => {
        const res = await fetch(`${server.baseUrl}${PUBLISH}/${ID}`, { headers });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'admin_unauthorized' });
      });

      it('takes the header without the cookie, and the cookie among others', async () => {
        expect((await fetch(`${server.baseUrl}${PUBLISH}`, { headers: { iPlanetDirectoryPro: ADMIN_TOKEN } })).status).toBe(200);
        expect((await fetch(`${server.baseUrl}${PUBLISH}`, { headers: { cookie: `amlbcookie=01; iPlanetDirectoryPro=${ADMIN_TOKEN}; i18next=en` } })).status).toBe(200);
      });

      it('takes the header name in any letter case, and Authorization: Bearer still', async () => {
        expect((await fetch(`${server.baseUrl}${PUBLISH}`, { headers: { IPLANETDIRECTORYPRO: ADMIN_TOKEN } })).status).toBe(200);
        expect((await fetch(`${server.baseUrl}${PUBLISH}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
      });
    });

    describe('delete with If-Match', () => {
      it('refuses a stale revision with 412 and keeps the instance', async () => {
        expect(updatedRev).toEqual(expect.any(String));
        expectErrorBody(await pingAm('DELETE', `${PUBLISH}/${ID}`, undefined, { 'if-match': updatedRev }), 412, 'revision_mismatch');
        expect((await translate(usernameTo('OPENIDCONNECT'))).status).toBe(200);
      });

      it('deletes with the current revision, answering as PingAM does; the instance is gone', async () => {
        const current = (await pingAm('GET', `${PUBLISH}/${ID}`)).body._rev;
        const res = await pingAm('DELETE', `${PUBLISH}/${ID}`, undefined, { 'if-match': current });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ _id: ID, result: `rest sts instance ${ID} successfully removed from realm ${SUBREALM}` });
        expect((await translate(usernameTo('OPENIDCONNECT'))).status).toBe(404);
        const file = parse(await subrealmOnDisk());
        expect(file.instances ?? {}).not.toHaveProperty('rest_sts_instance1049252330');
        // Its secret goes with it: the realm key and the stored value.
        expect(file.keys.map((k: Json) => k.kid)).toEqual(['test', 'oidc-rs']);
        expect(await secretFiles()).toEqual([]);
      });

      it('answers 404 for If-Match on an instance that is gone', async () => {
        expectErrorBody(await pingAm('DELETE', `${PUBLISH}/${ID}`, undefined, { 'if-match': '*' }), 404, 'instance_not_found');
      });
    });
  });
});

describe('admin_token_header in server.yaml', () => {
  it.each([
    ['a name with a space', 'iPlanet DirectoryPro', /must be an HTTP header name/],
    ['Authorization', 'Authorization', /already uses/],
    ['Cookie', 'cookie', /already uses/],
  ])('refuses %s at load, naming the key', async (_what, name, message) => {
    const start = startTestServer({ root: await rootRealm() }, { adminToken: ADMIN_TOKEN }, { admin_token_header: name });
    await expect(start).rejects.toMatchObject({ problems: [expect.objectContaining({ path: 'admin_token_header', message: expect.stringMatching(message) })] });
  });
});


