/**
 * The two examples of the token fulfillment page, configured as written there and checked end to
 * end over HTTP: PingFederate's access-token attribute contract (iss, aud and exp from the
 * contract, renamed client id and scope claims, a subject attribute) and PingOne's token
 * fulfillment from an authentication JWT, whose claim introspection shows.
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuthorization, postForm } from '../../support/oauth-client';
import { DEMO_PASSWORD, fileIdentityStore, rootRealm, testPasswordHash, usernameTo } from '../../support/realm-fixtures';
import { startTestServer, TestServer } from '../../support/test-server';
import { expectRefused, issuedJwtClaims, issuedToken } from '../../support/translate-results';

const SECRET = 'introspector-' + Math.random().toString(36).slice(2);
const IDP = 'https://auth.pingone.test/env-1/as';

describe('token fulfillment examples', () => {
  let work: string;
  let server: TestServer;
  let signAuthenticationJwt: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sts-fulfillment-examples-'));
    const idp = await generateKeyPair('ES256');
    await writeFile(join(work, 'idp-jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'idp-1', alg: 'ES256' }] }));
    signAuthenticationJwt = (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'idp-1', typ: 'JWT' }).setIssuer(IDP).setAudience('sts').setIssuedAt().setExpirationTime('5m').sign(idp.privateKey);

    const hash = await testPasswordHash();
    const clientHash = await testPasswordHash(SECRET);
    const oauthClients = [{ client_id: 'introspector', client_secret_hash: clientHash }];
    const realm = await rootRealm({
      identity_store: fileIdentityStore(hash, { alice: { mail: 'alice@example.com' }, bob: { mail: 'bob@example.com' } }),
      attribute_sources: [{ name: 'directory', type: 'sql', driver: 'sqlite', file: 'directory.sqlite' }],
      instances: {
        // PingFederate: Access Token Attribute Contract with iss, aud, exp, the client id and scope
        // claim names extended, fulfilled from a data store; mail is the subject attribute.
        atm: {
          supported_token_transforms: [{ from: 'USERNAME', to: 'JWT' }],
          persist_issued_tokens: true,
          oauth_clients: oauthClients,
          access_token: {
            issuer: 'https://sts.test/pingfederate',
            audience: ['api'],
            client_id: 'app',
            token_lifetime_minutes: 120,
            client_id_claim_name: 'cid',
            scope_claim_name: 'scp',
            signature_algorithm: 'ES256',
            signing_key: 'ec-1',
            claim_map: { iss: 'tenant_issuer', aud: 'tenant_audience', exp: 'extra_seconds', cid: 'tenant_client', scp: 'granted_scopes', department: 'department' },
          },
          token_fulfillment: {
            lookups: [{ source: 'directory', query: 'SELECT tenant, department, level FROM people WHERE login = $1' }],
            attributes: {
              tenant_issuer: "'https://' + directory.tenant + '.sts.test'",
              tenant_audience: "['api', 'api-' + directory.tenant]",
              extra_seconds: 'directory.level * 600',
              tenant_client: "'app-' + directory.tenant",
              granted_scopes: "directory.level >= 3 ? ['read', 'write'] : ['read']",
              department: 'directory.department',
            },
            subject: 'token.mail',
            issuance_criteria: [{ condition: 'has(directory.tenant)', message: 'Only people of a tenant get access tokens.' }],
          },
        },
        // Computed attributes reach SAML2 attribute_map by name, as claim_map.
        saml: {
          supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }],
          saml2: { issuer: 'https://sts.test/saml', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', attribute_map: { department: 'department' }, signing_key: 'rsa-1', sign_assertion: false },
          token_fulfillment: {
            lookups: [{ source: 'directory', query: 'SELECT department FROM people WHERE login = $1' }],
            attributes: { department: "directory.department + ' (' + principal + ')'" },
          },
        },
        // PingOne: a claim of the authentication JWT added to the access token, then introspected.
        fulfil: {
          supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'JWT' }],
          persist_issued_tokens: true,
          oauth_clients: oauthClients,
          oidc_validation: { trusted_issuers: [{ issuer: IDP, jwks_file: join(work, 'idp-jwks.json'), algorithms: ['ES256'], audiences: ['sts'] }] },
          access_token: { issuer: 'https://sts.test/pingone', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1', claim_map: { favorite_color: 'favorite_color' } },
          token_fulfillment: {
            attributes: { favorite_color: "has(token.favoriteColor) ? token.favoriteColor.lowerAscii() : null" },
          },
        },
      },
    });
    server = await startTestServer({ root: realm });
    const directory = new Database(join(server.configDir, 'directory.sqlite'));
    directory.exec("CREATE TABLE people (login TEXT, tenant TEXT, department TEXT, level INTEGER); INSERT INTO people VALUES ('alice', 'research', 'R&D', 3)");
    directory.close();
  });

  afterAll(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  const introspect = (instance: string, token: string) => postForm(server.baseUrl, `/oauth2/${instance}/introspect`, { token }, { authorization: basicAuthorization('introspector', SECRET) });

  it('PingFederate attribute contract: iss, aud and exp from the contract, renamed claims, the subject attribute', async () => {
    const res = await server.post('/rest-sts/atm?_action=translate', usernameTo('JWT', {}, 'alice', DEMO_PASSWORD));
    const claims = issuedJwtClaims(res);
    expect(claims).toMatchObject({
      iss: 'https://research.sts.test',
      aud: ['api', 'api-research'],
      cid: 'app-research',
      scp: ['read', 'write'],
      department: 'R&D',
      sub: 'alice@example.com',
    });
    expect(claims).not.toHaveProperty('client_id');
    expect(claims).not.toHaveProperty('scope');
    // 120 minutes, extended by the contract's exp (level 3 * 600 seconds).
    expect(claims.exp! - claims.iat!).toBe(120 * 60 + 1800);

    const introspected = await introspect('atm', issuedToken(res));
    expect(introspected.status).toBe(200);
    expect(introspected.body).toMatchObject({
      active: true,
      sub: 'alice@example.com',
      username: 'alice@example.com',
      iss: 'https://research.sts.test',
      aud: ['api', 'api-research'],
      client_id: 'app-research',
      scope: 'read write',
      department: 'R&D',
    });
  });

  it('PingFederate attribute contract: a principal the data store lacks is refused by the issuance criterion', async () => {
    const res = await server.post('/rest-sts/atm?_action=translate', usernameTo('JWT', {}, 'bob', DEMO_PASSWORD));
    expectRefused(res, 403, 'issuance_criteria_not_met');
    expect(res.body.message).toBe('Only people of a tenant get access tokens.');
  });

  it('computed attributes reach a SAML2 assertion through attribute_map', async () => {
    const res = await server.post('/rest-sts/saml?_action=translate', usernameTo('SAML2', {}, 'alice', DEMO_PASSWORD));
    const assertion = issuedToken(res);
    expect(assertion).toMatch(/<saml:Attribute [^>]*Name="department"[^>]*>\s*<saml:AttributeValue[^>]*>R&amp;D \(alice\)<\/saml:AttributeValue>/);
  });

  it('PingOne token fulfillment: a claim of the authentication JWT in the access token, shown by introspection', async () => {
    const jwt = await signAuthenticationJwt({ sub: 'user-7', favoriteColor: 'Teal' });
    const res = await server.post('/rest-sts/fulfil?_action=translate', { input_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: jwt }, output_token_state: { token_type: 'JWT' } });
    expect(issuedJwtClaims(res)).toMatchObject({ sub: 'user-7', favorite_color: 'teal' });
    const introspected = await introspect('fulfil', issuedToken(res));
    expect(introspected.body).toMatchObject({ active: true, sub: 'user-7', favorite_color: 'teal' });
  });

  it('PingOne token fulfillment: without the claim, the computed attribute is absent and the input cannot supply it', async () => {
    // A claim named like the computed attribute is not taken over: the expression decides.
    const jwt = await signAuthenticationJwt({ sub: 'user-8', favorite_color: 'red' });
    const res = await server.post('/rest-sts/fulfil?_action=translate', { input_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: jwt }, output_token_state: { token_type: 'JWT' } });
    expect(issuedJwtClaims(res)).not.toHaveProperty('favorite_color');
  });
});
