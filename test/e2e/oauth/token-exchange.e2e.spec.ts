/**
 * RFC 8693 token exchange at `POST /oauth2{P}/token` and RFC 8414 metadata over HTTP: SAML2
 * assertions (signed by xmlsec1 with an IdP key openssl made) and a plugin token type as subject
 * tokens; narrowing of audience and scope; delegation with `act`; every refusal in the RFC 6749
 * section 5.2 shape; issued tokens verified against the instance's JWKS.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { InvalidRequestError, InvalidTokenError } from '../../../src/errors/sts-errors';
import type { JsonObject } from '../../../src/plugin-api/json';
import { STS_CONTRACT_VERSION, type StsPluginManifest } from '../../../src/plugin-api/token-contract';
import { clientAuthMetadata } from '../../../src/oauth/client-auth-metadata';
import { RealmRegistry } from '../../../src/realms/realm-registry.service';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { expectErrorBody } from '../../support/error-body';
import { basicAuthorization, postForm } from '../../support/oauth-client';
import { testPasswordHash } from '../../support/realm-fixtures';
import { startTestServer, type TestResponse, type TestServer } from '../../support/test-server';
import { makeSamlTestIdp, type SamlTestIdp, signedBearerAssertion } from '../../support/xmlsec-assertion';

const SECRET = 'token exchange client secret';
const IDP = 'https://idp.test/saml';
const SAML_AUDIENCE = 'https://sts.test/saml';
/** The token endpoint, as the IdP names it in the bearer Recipient. */
const SAML_RECIPIENT = 'https://sts.test/oauth2/exchange/token';
const URI = 'urn:ietf:params:oauth:token-type:';
const TOY = 'urn:rest-sts:token-type:TOY';
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * A plugin token type for the test, registered straight into the registry (jest cannot load a
 * plugin folder in process): the token is base64url JSON claims, trusted as they come (never do
 * this outside a test). Its provider shows what the token endpoint handed it.
 */
const TOY_PLUGIN: StsPluginManifest = {
  name: 'toy',
  contractVersion: STS_CONTRACT_VERSION,
  validators: {
    TOY: {
      validateToken({ inputTokenState }) {
        const claims = toyClaimsOf(String(inputTokenState.token));
        if (typeof claims?.sub !== 'string') throw new InvalidRequestError('input_token_state.token is no TOY token.');
        if (claims.revoked) throw new InvalidTokenError('This TOY token has been revoked.', { code: 'toy_revoked' });
        // A TOY token's iss stands for the issuer a real validator would have verified.
        const issuer = typeof claims.iss === 'string' ? claims.iss : undefined;
        return { principal: claims.sub, issuer, session: { authenticatedAt: new Date(), authenticationMethods: ['toy'], attributes: claims } };
      },
    },
  },
  providers: {
    TOY: {
      createToken: ({ principal, exchange }) => ({
        token: Buffer.from(JSON.stringify({ sub: principal, exchange })).toString('base64url'),
        expiresAt: new Date(Date.now() + 600_000),
      }),
    },
  },
};

function toyClaimsOf(token: string): JsonObject | undefined {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as JsonObject;
  } catch {
    return undefined;
  }
}

/** The test server with the TOY plugin in place. */
async function startExchangeServer(primary = 'exchange'): Promise<TestServer> {
  const server = await startTestServer({ root: await realmFile(primary) }, {}, { public_base_url: 'https://sts.test' });
  server.app.get(TokenTypeRegistry).setPlugin(TOY_PLUGIN);
  return server;
}

const toyToken = (claims: object) => Buffer.from(JSON.stringify(claims)).toString('base64url');

let work: string;
let idp: SamlTestIdp;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sts-exchange-'));
  idp = makeSamlTestIdp(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A bearer assertion for alice from the trusted IdP, signed by xmlsec1, base64url-encoded (RFC 8693 section 3). */
function samlSubjectToken(nameId = 'alice@idp.test', attributes: Record<string, string> = {}): string {
  const signed = signedBearerAssertion(work, idp, { issuer: IDP, audience: SAML_AUDIENCE, recipient: SAML_RECIPIENT, nameId, attributes: { mail: 'alice@idp.test', ...attributes } });
  return Buffer.from(signed).toString('base64url');
}

/** Three instances of the issuer https://sts.test, each with clients: `primary` gives the issuer's endpoints. */
async function realmFile(primary: string): Promise<object> {
  const hash = await testPasswordHash(SECRET);
  const transforms = ['JWT', 'OPENIDCONNECT', 'SAML2', 'TOY'].flatMap((to) => [{ from: 'TOY', to }]).concat([
    { from: 'SAML2', to: 'JWT' },
    { from: 'SAML2', to: 'OPENIDCONNECT' },
  ]);
  const instance = (extra: object = {}) => ({
    supported_token_transforms: transforms,
    persist_issued_tokens: true,
    oauth_clients: [
      { client_id: 'exchanger', client_secret_hash: hash },
      { client_id: 'outsider', client_secret_hash: hash },
    ],
    token_exchange: { allowed_clients: ['exchanger'], allowed_actors: ['trusted-service'] },
    access_token: { issuer: 'https://sts.test', audience: ['api', 'api-2'], client_id: 'translate-app', signature_algorithm: 'ES256', signing_key: 'ec-1', allowed_scopes: ['read', 'write'] },
    oidc: { issuer: 'https://sts.test', audience: ['rp', 'rp-2'], signature_algorithm: 'RS256', signing_key: 'rsa-1' },
    saml2: { issuer: 'https://sts.test', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', sign_assertion: false },
    saml2_validation: { trusted_idps: [{ entity_id: IDP, certificate_file: idp.cert }], audience: SAML_AUDIENCE, recipients: [SAML_RECIPIENT] },
    custom_token_validators: { TOY: 'toy' },
    custom_token_providers: { TOY: 'toy' },
    ...extra,
  });
  return {
    realm: '/',
    keys: [
      { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
      { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
    ],
    instances: {
      exchange: instance({ issuer_primary: primary === 'exchange' }),
      'no-exchange': instance({ token_exchange: undefined, persist_issued_tokens: false, issuer_primary: primary === 'no-exchange' }),
      widening: instance({ token_exchange: { allowed_clients: ['exchanger'], allow_scope_widening: true } }),
    },
  };
}

describe('token exchange at /oauth2{P}/token (RFC 8693)', () => {
  let server: TestServer;
  const exchanger = { authorization: basicAuthorization('exchanger', SECRET) };

  beforeAll(async () => {
    server = await startExchangeServer();
  });
  afterAll(() => server?.close());

  const exchange = (params: Record<string, string | string[]>, headers: Record<string, string> = exchanger, instance = 'exchange') => {
    const form = new URLSearchParams({ grant_type: GRANT });
    for (const [name, value] of Object.entries(params)) for (const one of [value].flat()) form.append(name, one);
    return postForm(server.baseUrl, `/oauth2/${instance}/token`, form.toString(), headers);
  };
  const toySubject = (claims: object = { sub: 'bob' }) => ({ subject_token: toyToken(claims), subject_token_type: TOY });

  /** The RFC 8693 section 2.2.1 answer, with the headers RFC 6749 section 5.1 requires. */
  function answered(res: TestResponse, issuedTokenType: string, tokenType: 'Bearer' | 'N_A', scope?: string): string {
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { access_token: expect.any(String), issued_token_type: issuedTokenType, token_type: tokenType, expires_in: expect.any(Number), ...(scope && { scope }) },
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    return res.body.access_token;
  }

  async function verified(token: string): Promise<JWTPayload> {
    const jwks = await server.get('/oauth2/exchange/jwks');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body), { issuer: 'https://sts.test' });
    return payload;
  }

  /** RFC 6749 section 5.2: `{error, error_description}` and nothing else. */
  function refused(res: TestResponse, status: number, error: string): void {
    expect({ status: res.status, body: res.body }).toEqual({ status, body: { error, error_description: expect.any(String) } });
    expect(res.body.error_description.length).toBeGreaterThan(0);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  }

  describe('round trips', () => {
    it('exchanges a SAML2 assertion for an access token with every allowed scope and audience, verifiable with the JWKS', async () => {
      const res = await exchange({ subject_token: samlSubjectToken(), subject_token_type: `${URI}saml2` });
      const token = answered(res, `${URI}access_token`, 'Bearer', 'read write');
      const claims = await verified(token);
      expect(claims).toMatchObject({ sub: 'alice@idp.test', aud: ['api', 'api-2'], client_id: 'exchanger', scope: 'read write' });
      expect(claims.act).toBeUndefined();
      expect(Math.abs(res.body.expires_in - 7200)).toBeLessThanOrEqual(2);
    });

    it('exchanges a SAML2 assertion for an ID token narrowed to one audience', async () => {
      const res = await exchange({ subject_token: samlSubjectToken(), subject_token_type: `${URI}saml2`, requested_token_type: `${URI}id_token`, audience: 'rp-2' });
      const claims = await verified(answered(res, `${URI}id_token`, 'N_A'));
      expect(claims).toMatchObject({ sub: 'alice@idp.test', aud: 'rp-2' });
      expect(claims).not.toHaveProperty('azp'); // one audience: azp would say nothing more
    });

    it('narrows audience (audience and resource together) and scope for a plugin subject token', async () => {
      const res = await exchange({ ...toySubject(), audience: ['api-2', 'api'], scope: 'read', requested_token_type: `${URI}jwt` });
      const claims = await verified(answered(res, `${URI}jwt`, 'Bearer', 'read'));
      expect(claims).toMatchObject({ sub: 'bob', aud: ['api-2', 'api'], scope: 'read' });
    });

    it('issues a plugin token type; the plugin sees the exchanging client in its exchange context', async () => {
      const token = answered(await exchange({ ...toySubject(), requested_token_type: TOY }), TOY, 'N_A');
      expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ sub: 'bob', exchange: { clientId: 'exchanger' } });
    });

    it('issues a SAML2 assertion base64url-encoded (RFC 8693 section 3)', async () => {
      const token = answered(await exchange({ ...toySubject(), requested_token_type: `${URI}saml2`, audience: 'https://sp.test' }), `${URI}saml2`, 'N_A');
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(token, 'base64url').toString()).toMatch(/^<saml:Assertion [^>]*>.*<saml:NameID[^>]*>bob<\/saml:NameID>/s);
      // Introspection and revocation take the assertion in the base64url form the client holds.
      const introspected = await postForm(server.baseUrl, '/oauth2/exchange/introspect', { token }, exchanger);
      expect(introspected.body).toMatchObject({ active: true, sub: 'bob', aud: 'https://sp.test' });
      expect((await postForm(server.baseUrl, '/oauth2/exchange/revoke', { token }, exchanger)).status).toBe(200);
      expect((await postForm(server.baseUrl, '/oauth2/exchange/introspect', { token }, exchanger)).body).toEqual({ active: false });
    });

    it('records what it issues on a persisting instance: introspection knows the token', async () => {
      const token = answered(await exchange({ ...toySubject({ sub: 'carol' }), scope: 'write' }), `${URI}access_token`, 'Bearer', 'write');
      const res = await postForm(server.baseUrl, '/oauth2/exchange/introspect', { token }, exchanger);
      expect(res.body).toMatchObject({ active: true, sub: 'carol', scope: 'write', client_id: 'exchanger', aud: ['api', 'api-2'] });
    });
  });

  describe('delegation (actor_token, RFC 8693 section 4.1)', () => {
    it('issues an act claim for the actor may_act names, with the subject token\'s own act nested inside', async () => {
      const res = await exchange({
        ...toySubject({ sub: 'bob', may_act: { sub: 'svc-a', iss: 'https://svc.test' }, act: { sub: 'svc-b' } }),
        actor_token: toyToken({ sub: 'svc-a', iss: 'https://svc.test' }),
        actor_token_type: TOY,
      });
      const claims = await verified(answered(res, `${URI}access_token`, 'Bearer', 'read write'));
      expect(claims).toMatchObject({ sub: 'bob', act: { sub: 'svc-a', iss: 'https://svc.test', act: { sub: 'svc-b' } } });
    });

    it('lets an actor of token_exchange.allowed_actors act without may_act, into an ID token too', async () => {
      const res = await exchange({ ...toySubject(), actor_token: toyToken({ sub: 'trusted-service' }), actor_token_type: TOY, requested_token_type: `${URI}id_token` });
      expect((await verified(answered(res, `${URI}id_token`, 'N_A'))).act).toEqual({ sub: 'trusted-service' });
    });

    it('hands a plugin provider the act claim', async () => {
      const res = await exchange({ ...toySubject({ sub: 'bob', may_act: { sub: 'svc-a' } }), actor_token: toyToken({ sub: 'svc-a' }), actor_token_type: TOY, requested_token_type: TOY });
      expect(JSON.parse(Buffer.from(answered(res, TOY, 'N_A'), 'base64url').toString()).exchange).toEqual({ clientId: 'exchanger', actor: { sub: 'svc-a' } });
    });

    it('matches a may_act without iss only against an actor of the subject token\'s own issuer', async () => {
      const subject = toySubject({ sub: 'bob', iss: 'https://svc.test', may_act: { sub: 'svc-a' } });
      const same = await exchange({ ...subject, actor_token: toyToken({ sub: 'svc-a', iss: 'https://svc.test' }), actor_token_type: TOY });
      expect((await verified(answered(same, `${URI}access_token`, 'Bearer', 'read write'))).act).toEqual({ sub: 'svc-a', iss: 'https://svc.test' });
      const other = await exchange({ ...subject, actor_token: toyToken({ sub: 'svc-a', iss: 'https://elsewhere.test' }), actor_token_type: TOY });
      refused(other, 400, 'invalid_request');
    });

    it('takes a SAML actor\'s issuer from its signed Issuer, never from an Attribute named iss', async () => {
      const may = (iss: string) => toySubject({ sub: 'bob', iss: 'https://svc.test', may_act: { sub: 'svc-saml', iss } });
      const actor = samlSubjectToken('svc-saml', { iss: 'https://svc.test', saml_issuer: 'https://svc.test' });
      // Before, the attribute made this actor pass as one from https://svc.test.
      refused(await exchange({ ...may('https://svc.test'), actor_token: actor, actor_token_type: `${URI}saml2` }), 400, 'invalid_request');
      const real = await exchange({ ...may(IDP), actor_token: samlSubjectToken('svc-saml'), actor_token_type: `${URI}saml2` });
      expect((await verified(answered(real, `${URI}access_token`, 'Bearer', 'read write'))).act).toEqual({ sub: 'svc-saml', iss: IDP });
    });
  });

  describe('scope never wider than the subject token\'s', () => {
    it('grants the subject\'s scope within allowed_scopes when none is asked, and refuses more with invalid_scope', async () => {
      const scoped = (scope: unknown) => toySubject({ sub: 'bob', scope });
      answered(await exchange(scoped('read')), `${URI}access_token`, 'Bearer', 'read');
      answered(await exchange({ ...scoped(['read', 'admin']) }), `${URI}access_token`, 'Bearer', 'read');
      answered(await exchange({ ...scoped('read'), scope: 'read' }), `${URI}access_token`, 'Bearer', 'read');
      refused(await exchange({ ...scoped('read'), scope: 'read write' }), 400, 'invalid_scope');
      refused(await exchange({ ...toySubject({ sub: 'bob', scp: ['write'] }), scope: 'read' }), 400, 'invalid_scope');
    });

    it('bounds a SAML subject by its scope attribute too', async () => {
      const subject = { subject_token: samlSubjectToken('alice@idp.test', { scope: 'write' }), subject_token_type: `${URI}saml2` };
      const claims = await verified(answered(await exchange(subject), `${URI}access_token`, 'Bearer', 'write'));
      expect(claims.scope).toBe('write');
    });

    it('widens as before only where token_exchange.allow_scope_widening says so', async () => {
      const res = await exchange({ ...toySubject({ sub: 'bob', scope: 'read' }), scope: 'read write' }, exchanger, 'widening');
      answered(res, `${URI}access_token`, 'Bearer', 'read write');
    });
  });

  describe('revocation (RFC 7009 section 2.1)', () => {
    const outsider = { authorization: basicAuthorization('outsider', SECRET) };

    it('lets only the client a token was issued to revoke it: another gets 400 unauthorized_client and the token stays live', async () => {
      for (const requested of [`${URI}access_token`, `${URI}id_token`, `${URI}saml2`, TOY]) {
        const res = await exchange({ ...toySubject({ sub: 'erin' }), requested_token_type: requested, ...(requested.endsWith('saml2') && { audience: 'https://sp.test' }) });
        const token = res.body.access_token as string;
        expect(res.status).toBe(200);
        expectErrorBody(await postForm(server.baseUrl, '/oauth2/exchange/revoke', { token }, outsider), 400, 'unauthorized_client');
        expect((await postForm(server.baseUrl, '/oauth2/exchange/introspect', { token }, exchanger)).body).toMatchObject({ active: true, client_id: 'exchanger' });
        expect((await postForm(server.baseUrl, '/oauth2/exchange/revoke', { token }, exchanger)).status).toBe(200);
        expect((await postForm(server.baseUrl, '/oauth2/exchange/introspect', { token }, exchanger)).body).toEqual({ active: false });
      }
    });
  });

  describe('refusals (RFC 6749 section 5.2 body)', () => {
    it('answers 401 invalid_client with WWW-Authenticate without or with wrong client credentials', async () => {
      const attempts: Record<string, string>[] = [{}, { authorization: basicAuthorization('exchanger', 'wrong') }, { authorization: basicAuthorization('nobody', SECRET) }];
      for (const headers of attempts) {
        const res = await exchange(toySubject(), headers);
        refused(res, 401, 'invalid_client');
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="/exchange"');
      }
    });

    it('accepts client_secret_post too', async () => {
      answered(await exchange({ ...toySubject(), client_id: 'exchanger', client_secret: SECRET }, {}), `${URI}access_token`, 'Bearer', 'read write');
    });

    it('answers unauthorized_client for a client token_exchange.allowed_clients does not list', async () => {
      refused(await exchange(toySubject(), { authorization: basicAuthorization('outsider', SECRET) }), 400, 'unauthorized_client');
    });

    it('answers unsupported_grant_type for another grant and for an instance without token_exchange', async () => {
      refused(await postForm(server.baseUrl, '/oauth2/exchange/token', { grant_type: 'client_credentials' }, exchanger), 400, 'unsupported_grant_type');
      refused(await exchange(toySubject(), exchanger, 'no-exchange'), 400, 'unsupported_grant_type');
    });

    it('refuses a replayed SAML assertion (its single use was spent on the first exchange)', async () => {
      const subject = { subject_token: samlSubjectToken(), subject_token_type: `${URI}saml2` };
      expect((await exchange(subject)).status).toBe(200);
      refused(await exchange(subject), 400, 'invalid_request');
    });

    it.each([
      ['no grant_type', () => 'subject_token=x', 400, 'invalid_request'],
      ['no subject_token', () => ({ subject_token_type: TOY }), 400, 'invalid_request'],
      ['no subject_token_type', () => ({ subject_token: toyToken({ sub: 'bob' }) }), 400, 'invalid_request'],
      ['a repeated subject_token', () => ({ ...toySubject(), subject_token: ['a', 'b'] }), 400, 'invalid_request'],
      ['an unknown subject_token_type', () => ({ ...toySubject(), subject_token_type: `${URI}saml1` }), 400, 'invalid_request'],
      ['a built-in type under the plugin URI', () => ({ ...toySubject(), subject_token_type: 'urn:rest-sts:token-type:USERNAME' }), 400, 'invalid_request'],
      ['an unknown requested_token_type', () => ({ ...toySubject(), requested_token_type: `${URI}refresh_token` }), 400, 'invalid_request'],
      ['a transform the instance does not list', () => ({ subject_token: samlSubjectToken(), subject_token_type: `${URI}saml2`, requested_token_type: TOY }), 400, 'invalid_request'],
      ['a subject token the validator rejects (401 there)', () => toySubject({ sub: 'bob', revoked: true }), 400, 'invalid_request'],
      ['a malformed subject token', () => ({ ...toySubject(), subject_token: 'bm90IGpzb24' }), 400, 'invalid_request'],
      ['a SAML assertion that is not base64url', () => ({ subject_token: '***', subject_token_type: `${URI}saml2` }), 400, 'invalid_request'],
      ['an audience the instance does not issue for', () => ({ ...toySubject(), audience: ['api', 'evil'] }), 400, 'invalid_target'],
      ['a relative resource', () => ({ ...toySubject(), resource: 'api' }), 400, 'invalid_target'],
      ['an audience for a plugin output', () => ({ ...toySubject(), requested_token_type: TOY, audience: 'api' }), 400, 'invalid_target'],
      ['a scope beyond allowed_scopes', () => ({ ...toySubject(), scope: 'read admin' }), 400, 'invalid_scope'],
      ['a scope for an ID token', () => ({ ...toySubject(), scope: 'read', requested_token_type: `${URI}id_token` }), 400, 'invalid_scope'],
      ['an actor_token without actor_token_type', () => ({ ...toySubject(), actor_token: toyToken({ sub: 'svc-a' }) }), 400, 'invalid_request'],
      ['an actor may_act does not name', () => ({ ...toySubject({ sub: 'bob', may_act: { sub: 'svc-z' } }), actor_token: toyToken({ sub: 'svc-a' }), actor_token_type: TOY }), 400, 'invalid_request'],
      ['an actor under another issuer than may_act names', () => ({ ...toySubject({ sub: 'bob', may_act: { sub: 'svc-a', iss: 'https://svc.test' } }), actor_token: toyToken({ sub: 'svc-a', iss: 'https://evil.test' }), actor_token_type: TOY }), 400, 'invalid_request'],
      ['an actor token the validator rejects', () => ({ ...toySubject(), actor_token: toyToken({ sub: 'trusted-service', revoked: true }), actor_token_type: TOY }), 400, 'invalid_request'],
      ['an actor token type the instance does not accept', () => ({ ...toySubject(), actor_token: samlSubjectToken(), actor_token_type: `${URI}saml2`, requested_token_type: TOY }), 400, 'invalid_request'],
      ['delegation into a SAML2 assertion', () => ({ ...toySubject(), actor_token: toyToken({ sub: 'trusted-service' }), actor_token_type: TOY, requested_token_type: `${URI}saml2` }), 400, 'invalid_request'],
    ])('refuses %s', async (_, params, status, error) => {
      const given = params();
      const res =
        typeof given === 'string'
          ? await postForm(server.baseUrl, '/oauth2/exchange/token', given, exchanger)
          : await exchange(given as Record<string, string | string[]>);
      refused(res, status, error);
      expect(res.body.access_token).toBeUndefined();
    });

    it('answers a JSON body with 415 in the RFC shape', async () => {
      refused(await server.post('/oauth2/exchange/token', { grant_type: GRANT }, exchanger), 415, 'invalid_request');
    });

    it('answers an unknown instance with the ordinary 404, like the other /oauth2 endpoints', async () => {
      expectErrorBody(await exchange(toySubject(), exchanger, 'nowhere'), 404, 'instance_not_found');
    });
  });
});

describe('token exchange with JWT subject and actor tokens (input types JWT and OPENIDCONNECT)', () => {
  const ISSUER = 'https://idp.test';
  let server: TestServer;
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const exchanger = { authorization: basicAuthorization('exchanger', SECRET) };

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    signingKey = pair.privateKey;
    const jwksFile = join(work, 'idp-jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256' }] }));
    const hash = await testPasswordHash(SECRET);
    const from = ['JWT', 'OPENIDCONNECT'];
    server = await startTestServer({
      root: {
        realm: '/',
        keys: [{ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
        instances: {
          jwt: {
            supported_token_transforms: from.flatMap((f) => ['JWT', 'OPENIDCONNECT'].map((to) => ({ from: f, to }))),
            oauth_clients: [{ client_id: 'exchanger', client_secret_hash: hash }],
            token_exchange: {},
            oidc_validation: { trusted_issuers: [{ issuer: ISSUER, jwks_file: jwksFile, algorithms: ['ES256'], audiences: ['sts'] }] },
            access_token: { issuer: 'https://sts.test', audience: ['api'], client_id: 'translate-app', signature_algorithm: 'ES256', signing_key: 'ec-1' },
            oidc: { issuer: 'https://sts.test', audience: ['rp'], signature_algorithm: 'ES256', signing_key: 'ec-1' },
          },
        },
      },
    });
  });
  afterAll(() => server?.close());

  /** A JWT from the trusted IdP: an access token (typ at+jwt) or an ID token (typ JWT). */
  const idpToken = (claims: object, typ: 'at+jwt' | 'JWT') =>
    new SignJWT({ aud: 'sts', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(signingKey);

  async function issuedClaims(params: Record<string, string>): Promise<JWTPayload> {
    const res = await postForm(server.baseUrl, '/oauth2/jwt/token', { grant_type: GRANT, ...params }, exchanger);
    expect(res.status).toBe(200);
    const jwks = await server.get('/oauth2/jwt/jwks');
    return (await jwtVerify(res.body.access_token, createLocalJWKSet(jwks.body), { issuer: 'https://sts.test' })).payload;
  }

  it.each([
    ['an access token', `${URI}access_token`, 'at+jwt'],
    ['a JWT', `${URI}jwt`, 'at+jwt'],
    ['an ID token', `${URI}id_token`, 'JWT'],
  ] as const)('exchanges %s for an access token', async (_, subjectTokenType, typ) => {
    const claims = await issuedClaims({ subject_token: await idpToken({ sub: 'dave' }, typ), subject_token_type: subjectTokenType });
    expect(claims).toMatchObject({ sub: 'dave', aud: 'api', client_id: 'exchanger' });
  });

  it('delegates to the actor an access token\'s may_act names (issuer included), the actor presenting an ID token', async () => {
    const claims = await issuedClaims({
      subject_token: await idpToken({ sub: 'dave', may_act: { sub: 'svc-a', iss: ISSUER } }, 'at+jwt'),
      subject_token_type: `${URI}access_token`,
      actor_token: await idpToken({ sub: 'svc-a' }, 'JWT'),
      actor_token_type: `${URI}id_token`,
      requested_token_type: `${URI}id_token`,
    });
    expect(claims).toMatchObject({ sub: 'dave', aud: 'rp', act: { sub: 'svc-a', iss: ISSUER } });
  });

  it('refuses an actor the subject token\'s may_act does not name, and a token of an untrusted signer', async () => {
    const mayActOther = await postForm(server.baseUrl, '/oauth2/jwt/token', {
      grant_type: GRANT,
      subject_token: await idpToken({ sub: 'dave', may_act: { sub: 'svc-z' } }, 'at+jwt'),
      subject_token_type: `${URI}access_token`,
      actor_token: await idpToken({ sub: 'svc-a' }, 'JWT'),
      actor_token_type: `${URI}id_token`,
    }, exchanger);
    expect([mayActOther.status, mayActOther.body.error]).toEqual([400, 'invalid_request']);
    const forged = (await idpToken({ sub: 'dave' }, 'at+jwt')).replace(/\.[^.]+$/, '.AAAA');
    const res = await postForm(server.baseUrl, '/oauth2/jwt/token', { grant_type: GRANT, subject_token: forged, subject_token_type: `${URI}jwt` }, exchanger);
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error: 'invalid_request', error_description: expect.any(String) } });
  });
});

describe('authorization server metadata (RFC 8414)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startExchangeServer();
  });
  afterAll(() => server?.close());

  it("describes the issuer at the path RFC 8414 derives from it, with its primary instance's endpoints and token exchange", async () => {
    const res = await server.get('/.well-known/oauth-authorization-server');
    const base = 'https://sts.test/oauth2/exchange';
    const settings = server.app.get(RealmRegistry).realmSet!.instance('/exchange')!.instance.settings;
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: {
        issuer: 'https://sts.test',
        token_endpoint: `${base}/token`,
        jwks_uri: 'https://sts.test/jwks',
        introspection_endpoint: `${base}/introspect`,
        revocation_endpoint: `${base}/revoke`,
        response_types_supported: [],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        grant_types_supported: [GRANT],
        ...clientAuthMetadata(settings),
        scopes_supported: ['read', 'write'],
        subject_token_types_supported: [`${URI}saml2`, TOY],
        requested_token_types_supported: [`${URI}access_token`, `${URI}id_token`, `${URI}jwt`, `${URI}saml2`, TOY],
      },
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    // The same document is the issuer's OpenID Connect discovery document.
    expect((await server.get('/.well-known/openid-configuration')).body).toEqual(res.body);
  });

  it('offers no grant where the primary instance has no token_exchange', async () => {
    const other = await startExchangeServer('no-exchange');
    try {
      const res = await other.get('/.well-known/oauth-authorization-server');
      expect(res.status).toBe(200);
      expect(res.body.token_endpoint).toBe('https://sts.test/oauth2/no-exchange/token');
      expect(res.body.grant_types_supported).toEqual([]);
      expect(res.body.subject_token_types_supported).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('answers 404 not_found where no issuer is, the former per-instance URL included', async () => {
    const former = await server.get('/.well-known/oauth-authorization-server/oauth2/exchange');
    expectErrorBody(former, 404, 'not_found');
    expect(former.body.message).toMatch(/Instance \/exchange issues tokens as https:\/\/sts\.test, whose metadata is at \/\.well-known\/oauth-authorization-server\.$/);
    expectErrorBody(await server.get('/.well-known/oauth-authorization-server/oauth2/nowhere'), 404, 'not_found');
    expectErrorBody(await server.get('/.well-known/oauth-authorization-server/exchange'), 404, 'not_found');
  });
});

