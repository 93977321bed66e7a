/**
 * Input types OPENIDCONNECT and JWT over HTTP: tokens signed by python3-jwcrypto (a JOSE
 * implementation independent of jose) with keys the tests made, turned into ID tokens, access
 * tokens and SAML assertions; an ID token of one STS instance accepted by another; and each known
 * attack on JWT validation refused with its status and code (attack tokens built by hand).
 */
import 'reflect-metadata';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { decodeJwt } from 'jose';
import { runJwcrypto } from '../../support/jwcrypto';
import { DEMO_PASSWORD, rootRealm, usernameToOidc } from '../../support/realm-fixtures';
import { startTestServer, type TestServer } from '../../support/test-server';
import { expectRefused, issuedJwtClaims } from '../../support/translate-results';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test

const IDP = 'https://idp.test';
const PINNED = 'https://pinned.test';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const b64 = (text: string) => Buffer.from(text).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function keyPair(type: 'rsa' | 'ec', kid: string) {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    privateJwk: pair.privateKey.export({ format: 'jwk' }),
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), kid } as JsonWebKey,
    publicPem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}
const idpRsa = keyPair('rsa', 'r1');
const idpEc = keyPair('ec', 'e1');
const attacker = keyPair('rsa', 'r1');
const pinned = keyPair('ec', 'p1');
const remote = keyPair('rsa', 'remote-1');
const rotated = keyPair('rsa', 'remote-2');

/** Signs with jwcrypto; `header` and `payload` are given as JSON text or objects. */
function sign(key: JsonWebKey, header: object | string, payload: object | string): string {
  const text = (v: object | string) => (typeof v === 'string' ? v : JSON.stringify(v));
  const [result] = runJwcrypto([{ op: 'sign', key, header: text(header), payload: text(payload) }]);
  if (!result.ok) throw new Error(result.error);
  return result.token!;
}
let counter = 0;
function claims(extra: Json = {}): Json {
  return { iss: IDP, sub: 'alice', aud: 'sts', iat: now(), exp: now() + 300, jti: `j${counter++}`, department: 'R&D', ...extra };
}
const idToken = (extra: Json = {}, header: Json = {}) => sign(idpRsa.privateJwk, { alg: 'RS256', kid: 'r1', typ: 'JWT', ...header }, claims(extra));
const accessToken = (extra: Json = {}, header: Json = {}) => sign(idpEc.privateJwk, { alg: 'ES256', kid: 'e1', typ: 'at+jwt', ...header }, claims(extra));
/** A token assembled by hand: header and payload as given, any signature. */
const handMade = (header: object | string, payload: object | string, signature = 'c2ln') =>
  `${b64(typeof header === 'string' ? header : JSON.stringify(header))}.${b64(typeof payload === 'string' ? payload : JSON.stringify(payload))}.${signature}`;

let work: string;
let jwksServer: Server;
let served: { keys: JsonWebKey[] } = { keys: [remote.publicJwk] };
let jwksHits = 0;
let remoteIssuer = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sts-jwt-in-'));
  writeFileSync(join(work, 'idp-jwks.json'), JSON.stringify({ keys: [idpRsa.publicJwk, idpEc.publicJwk] }));
  writeFileSync(join(work, 'pinned.pem'), pinned.publicPem);
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(JSON.stringify(served));
  });
  await new Promise<void>((done) => jwksServer.listen(0, '127.0.0.1', done));
  const address = jwksServer.address();
  remoteIssuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((done) => jwksServer.close(done));
  rmSync(work, { recursive: true, force: true });
});

function inputInstance(validation: Json = {}): Json {
  return {
    supported_token_transforms: [
      { from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' },
      { from: 'OPENIDCONNECT', to: 'JWT' },
      { from: 'OPENIDCONNECT', to: 'SAML2' },
      { from: 'JWT', to: 'JWT' },
      { from: 'JWT', to: 'SAML2' },
    ],
    oidc_validation: {
      trusted_issuers: [
        { issuer: IDP, jwks_file: join(work, 'idp-jwks.json'), algorithms: ['RS256', 'ES256'], audiences: ['sts'] },
        { issuer: PINNED, public_key_file: join(work, 'pinned.pem'), algorithms: ['ES256'], audiences: ['sts'], subjects: ['alice'] },
        { issuer: remoteIssuer, jwks_url: `${remoteIssuer}/jwks`, algorithms: ['RS256'], audiences: ['sts'] },
      ],
      ...validation,
    },
    oidc: { issuer: 'https://sts.test', audience: ['rp-client'], signature_algorithm: 'RS256', signing_key: 'rsa-1', claim_map: { department: 'department' } },
    access_token: { issuer: 'https://sts.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1', claim_map: { department: 'department' } },
    saml2: { issuer: 'https://sts.test/saml', sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs', attribute_map: { department: 'department' }, signing_key: 'rsa-1', sign_assertion: false },
  };
}

describe('OPENIDCONNECT and JWT input over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      root: {
        realm: '/',
        keys: [
          { kid: 'rsa-1', use: 'sig', generate: { type: 'rsa', size: 2048 } },
          { kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } },
        ],
        instances: {
          main: inputInstance(),
          once: inputInstance({ one_time_use: true }),
          // A second instance trusting the same issuer: a jti spent at one is spent at both.
          'once-too': inputInstance({ one_time_use: true }),
          young: inputInstance({ max_token_age_seconds: 60, required_claims: ['department'] }),
          // An issuer whose ID tokens carry client_id / scp: it opts out of the access-token markers.
          lenient: inputInstance({
            trusted_issuers: [{ issuer: IDP, jwks_file: join(work, 'idp-jwks.json'), algorithms: ['RS256', 'ES256'], audiences: ['sts'], ignore_access_token_markers: true }],
          }),
        },
      },
    });
  });
  afterAll(() => server?.close());

  const translate = (type: 'OPENIDCONNECT' | 'JWT', token: unknown, output = 'OPENIDCONNECT', instance = 'main') =>
    server.post(`/rest-sts/${instance}?_action=translate`, {
      input_token_state: { token_type: type, ...(token === undefined ? {} : { [type === 'JWT' ? 'jwt' : 'oidc_id_token']: token }) },
      output_token_state: { token_type: output },
    });
  const issued = issuedJwtClaims;
  const refused = expectRefused;

  describe('accepted', () => {
    it('OPENIDCONNECT -> OPENIDCONNECT: sub, auth_time, acr and amr carried, department mapped by claim_map', async () => {
      const out = issued(await translate('OPENIDCONNECT', idToken({ auth_time: 1_900_000_000, acr: 'urn:example:loa:2', amr: ['pwd', 'otp'] })));
      expect(out).toMatchObject({
        iss: 'https://sts.test', sub: 'alice', aud: 'rp-client', auth_time: 1_900_000_000, acr: 'urn:example:loa:2', amr: ['pwd', 'otp'], department: 'R&D',
      });
      // No acr in, none out; nor from an acr that is not a string.
      for (const extra of [{}, { acr: 2 }, { acr: '' }]) expect(issued(await translate('OPENIDCONNECT', idToken(extra)))).not.toHaveProperty('acr');
    });
    it('OPENIDCONNECT -> JWT and JWT -> JWT: department copied into the access token', async () => {
      expect(issued(await translate('OPENIDCONNECT', idToken(), 'JWT'))).toMatchObject({ sub: 'alice', aud: 'api', department: 'R&D' });
      expect(issued(await translate('JWT', accessToken({ department: 'Ops' }), 'JWT'))).toMatchObject({ sub: 'alice', aud: 'api', department: 'Ops' });
    });
    it('OPENIDCONNECT -> SAML2 and JWT -> SAML2: NameID = sub, department as a SAML attribute', async () => {
      for (const res of [await translate('OPENIDCONNECT', idToken(), 'SAML2'), await translate('JWT', accessToken(), 'SAML2')]) {
        expect(res.status).toBe(200);
        const doc = new DOMParser().parseFromString(res.body.issued_token, 'text/xml');
        expect(doc.getElementsByTagNameNS(SAML, 'NameID')[0]?.textContent).toBe('alice');
        const attribute = [...doc.getElementsByTagNameNS(SAML, 'Attribute')].find((a) => a.getAttribute('Name') === 'department');
        expect(attribute?.getElementsByTagNameNS(SAML, 'AttributeValue')[0]?.textContent).toBe('R&D');
      }
    });
    it('accepts application/at+jwt, an aud array, and a token of an issuer pinned by public_key_file (kid ignored)', async () => {
      expect(issued(await translate('JWT', accessToken({ aud: ['other', 'sts'] }, { typ: 'application/at+jwt' }), 'JWT')).sub).toBe('alice');
      const token = sign(pinned.privateJwk, { alg: 'ES256', kid: 'whatever' }, claims({ iss: PINNED }));
      expect(issued(await translate('OPENIDCONNECT', token)).sub).toBe('alice');
    });
    it('fetches a jwks_url issuer key set once; an unknown kid within the minute after a fetch refetches nothing', async () => {
      const before = jwksHits;
      const first = sign(remote.privateJwk, { alg: 'RS256', kid: 'remote-1' }, claims({ iss: remoteIssuer }));
      expect(issued(await translate('OPENIDCONNECT', first)).sub).toBe('alice');
      expect(issued(await translate('OPENIDCONNECT', sign(remote.privateJwk, { alg: 'RS256', kid: 'remote-1' }, claims({ iss: remoteIssuer })))).sub).toBe('alice');
      expect(jwksHits - before).toBe(1);
      served = { keys: [remote.publicJwk, rotated.publicJwk] };
      const rotatedToken = sign(rotated.privateJwk, { alg: 'RS256', kid: 'remote-2' }, claims({ iss: remoteIssuer }));
      // The set was fetched moments ago: the new kid waits for the next allowed refetch (unit-tested with a clock).
      const hits = jwksHits;
      refused(await translate('OPENIDCONNECT', rotatedToken), 401, 'jwt_key_not_found');
      refused(await translate('OPENIDCONNECT', sign(remote.privateJwk, { alg: 'RS256', kid: 'made-up' }, claims({ iss: remoteIssuer }))), 401, 'jwt_key_not_found');
      refused(await translate('OPENIDCONNECT', sign(remote.privateJwk, { alg: 'RS256', kid: 'made-up-2' }, claims({ iss: remoteIssuer }))), 401, 'jwt_key_not_found');
      expect(jwksHits).toBe(hits);
    });
  });

  describe('refused', () => {
    it('a missing, empty or non-string token field -> 400 invalid_request', async () => {
      refused(await translate('OPENIDCONNECT', undefined), 400, 'invalid_request');
      refused(await translate('OPENIDCONNECT', ''), 400, 'invalid_request');
      refused(await translate('JWT', 42, 'JWT'), 400, 'invalid_request');
    });
    it('not a compact JWS -> 400 jwt_malformed; over-long -> 400 jwt_too_large', async () => {
      refused(await translate('OPENIDCONNECT', 'a.b'), 400, 'jwt_malformed');
      refused(await translate('OPENIDCONNECT', 'a.b.c.d.e'), 400, 'jwt_malformed');
      refused(await translate('OPENIDCONNECT', `${b64('not json')}.${b64('{}')}.x`), 400, 'jwt_malformed');
      refused(await translate('OPENIDCONNECT', idToken({ padding: 'x'.repeat(20_000) })), 400, 'jwt_too_large');
    });
    it('alg none in any letter case -> 401 jwt_algorithm_not_allowed', async () => {
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        refused(await translate('OPENIDCONNECT', handMade({ alg, typ: 'JWT' }, claims(), '')), 401, 'jwt_algorithm_not_allowed');
      }
    });
    it('RS->HS confusion: HS256 signed with the issuer public key (PEM and JWK text) as secret -> 401 jwt_algorithm_not_allowed', async () => {
      for (const secret of [idpRsa.publicPem, JSON.stringify(idpRsa.publicJwk)]) {
        const token = sign({ kty: 'oct', k: b64(secret) }, { alg: 'HS256', kid: 'r1' }, claims());
        refused(await translate('OPENIDCONNECT', token), 401, 'jwt_algorithm_not_allowed');
      }
    });
    it('an allowed alg that does not fit the key (ES256 header, kid of the RSA key) and one off the list (PS256) -> 401 jwt_algorithm_not_allowed', async () => {
      refused(await translate('OPENIDCONNECT', sign(idpEc.privateJwk, { alg: 'ES256', kid: 'r1' }, claims())), 401, 'jwt_algorithm_not_allowed');
      refused(await translate('OPENIDCONNECT', sign(idpRsa.privateJwk, { alg: 'PS256', kid: 'r1' }, claims())), 401, 'jwt_algorithm_not_allowed');
    });
    it('kid path and SQL tricks find no key -> 401 jwt_key_not_found', async () => {
      for (const kid of ['../../etc/passwd', "' OR 1=1 --", '/dev/null']) {
        refused(await translate('OPENIDCONNECT', sign(idpRsa.privateJwk, { alg: 'RS256', kid }, claims())), 401, 'jwt_key_not_found');
      }
    });
    it('jwk / jku / x5u / x5c headers are never followed: an attacker-signed token carrying its own key -> 401 jwt_signature_invalid', async () => {
      const header = { alg: 'RS256', kid: 'r1', jwk: attacker.publicJwk, jku: 'https://evil.test/jwks', x5u: 'https://evil.test/c.pem', x5c: ['AAAA'] };
      refused(await translate('OPENIDCONNECT', sign(attacker.privateJwk, header, claims())), 401, 'jwt_signature_invalid');
      const tampered = idToken().split('.');
      refused(await translate('OPENIDCONNECT', `${tampered[0]}.${b64(JSON.stringify(claims({ sub: 'admin' })))}.${tampered[2]}`), 401, 'jwt_signature_invalid');
    });
    it('an ID token where an access token is expected, and an access token where an ID token is -> 401 jwt_wrong_type', async () => {
      refused(await translate('JWT', idToken(), 'JWT'), 401, 'jwt_wrong_type');
      refused(await translate('JWT', accessToken({}, { typ: undefined }), 'JWT'), 401, 'jwt_wrong_type');
      refused(await translate('OPENIDCONNECT', accessToken()), 401, 'jwt_wrong_type');
      refused(await translate('OPENIDCONNECT', accessToken({}, { typ: 'application/AT+JWT' })), 401, 'jwt_wrong_type');
    });
    it.each([
      ['Keycloak: typ Bearer', { typ: 'Bearer' }],
      ['Keycloak: typ Refresh', { typ: 'refresh' }],
      ['Cognito: token_use access', { token_use: 'access' }],
      ['Entra ID / Okta: scp', { scp: ['read'] }],
      ['RFC 9068: client_id', { client_id: 'some-app' }],
    ])('an access token marked in its payload (%s), typ header JWT, as an ID token -> 401 jwt_wrong_type', async (_, marker) => {
      const res = await translate('OPENIDCONNECT', idToken(marker));
      refused(res, 401, 'jwt_wrong_type');
      expect(res.body.message).toMatch(/marks an access token/);
    });
    it('accepts ID tokens marked as ID tokens, the same markers in JWT input, and the markers from an issuer that opts out', async () => {
      expect(issued(await translate('OPENIDCONNECT', idToken({ typ: 'ID', token_use: 'id' }))).sub).toBe('alice');
      expect(issued(await translate('JWT', accessToken({ typ: 'Bearer', token_use: 'access', scp: ['read'], client_id: 'some-app' }), 'JWT')).sub).toBe('alice');
      expect(issued(await translate('OPENIDCONNECT', idToken({ scp: ['read'], client_id: 'some-app' }), 'OPENIDCONNECT', 'lenient')).sub).toBe('alice');
      // The header typ still tells: at+jwt is refused even where the payload markers are ignored.
      refused(await translate('OPENIDCONNECT', accessToken(), 'OPENIDCONNECT', 'lenient'), 401, 'jwt_wrong_type');
    });
    it('missing or foreign aud -> 401 jwt_audience_mismatch, the audience quoted once in the message', async () => {
      const foreign = await translate('OPENIDCONNECT', idToken({ aud: 'someone-else' }));
      refused(foreign, 401, 'jwt_audience_mismatch');
      expect(foreign.body.message).toBe('The JWT audience "someone-else" does not name this service.');
      const several = await translate('OPENIDCONNECT', idToken({ aud: ['a', 'b'] }));
      expect(several.body.message).toBe('The JWT audience ["a","b"] does not name this service.');
      refused(await translate('OPENIDCONNECT', idToken({ aud: undefined })), 401, 'jwt_audience_mismatch');
    });
    it.each([
      ['auth_time 1e308', { auth_time: 1e308 }],
      ['auth_time before 1970', { auth_time: -1 }],
      ['exp 1e308', { exp: 1e308 }],
      ['exp after 9999', { exp: 253_402_300_800 }],
      ['nbf 1e308', { nbf: 1e308 }],
      ['iat 1e308', { iat: 1e308 }],
    ])('a time out of range (%s) -> 401 jwt_claim_invalid into every output, never null in a token or a 500', async (_, times) => {
      for (const output of ['OPENIDCONNECT', 'JWT', 'SAML2']) {
        refused(await translate('OPENIDCONNECT', idToken(times), output), 401, 'jwt_claim_invalid');
      }
      refused(await translate('JWT', accessToken(times), 'JWT'), 401, 'jwt_claim_invalid');
    });
    it('accepts the last second of 9999 as auth_time and carries it into the ID token', async () => {
      expect(issued(await translate('OPENIDCONNECT', idToken({ auth_time: 253_402_300_799 }))).auth_time).toBe(253_402_300_799);
    });
    it('expired, not yet valid (nbf, iat in the future beyond the skew) -> 401 jwt_expired / jwt_not_yet_valid', async () => {
      refused(await translate('OPENIDCONNECT', idToken({ exp: now() - 31 })), 401, 'jwt_expired');
      expect(issued(await translate('OPENIDCONNECT', idToken({ exp: now() - 10 }))).sub).toBe('alice');
      refused(await translate('OPENIDCONNECT', idToken({ exp: undefined })), 401, 'jwt_missing_claim');
      refused(await translate('OPENIDCONNECT', idToken({ nbf: now() + 120 })), 401, 'jwt_not_yet_valid');
      refused(await translate('OPENIDCONNECT', idToken({ iat: now() + 120 })), 401, 'jwt_not_yet_valid');
    });
    it('duplicate JSON members in payload or header -> 401 jwt_duplicate_member', async () => {
      const payload = JSON.stringify(claims()).replace(/^\{/, '{"sub":"admin",');
      refused(await translate('OPENIDCONNECT', sign(idpRsa.privateJwk, { alg: 'RS256', kid: 'r1' }, payload)), 401, 'jwt_duplicate_member');
      const escaped = JSON.stringify(claims()).replace(/^\{/, '{"\\u0073ub":"admin",');
      refused(await translate('OPENIDCONNECT', sign(idpRsa.privateJwk, { alg: 'RS256', kid: 'r1' }, escaped)), 401, 'jwt_duplicate_member');
      refused(await translate('OPENIDCONNECT', handMade('{"alg":"RS256","kid":"r1","alg":"none"}', claims())), 401, 'jwt_duplicate_member');
    });
    it('an unknown crit header -> 401 jwt_unsupported_crit', async () => {
      // jwcrypto refuses to sign this, rightly: built by hand.
      const token = handMade({ alg: 'RS256', kid: 'r1', crit: ['exp-ext'], 'exp-ext': true }, claims());
      refused(await translate('OPENIDCONNECT', token), 401, 'jwt_unsupported_crit');
    });
    it('an untrusted iss, or a subject not listed for the issuer -> 401', async () => {
      refused(await translate('OPENIDCONNECT', idToken({ iss: 'https://evil.test' })), 401, 'jwt_untrusted_issuer');
      refused(await translate('OPENIDCONNECT', idToken({ iss: undefined })), 401, 'jwt_untrusted_issuer');
      const bob = sign(pinned.privateJwk, { alg: 'ES256' }, claims({ iss: PINNED, sub: 'bob' }));
      refused(await translate('OPENIDCONNECT', bob), 401, 'jwt_subject_not_allowed');
    });
    it('one_time_use: a replayed jti -> 401 jwt_replayed; no jti -> 401 jwt_missing_claim; a refused token spends nothing', async () => {
      const jti = `once-${counter++}`;
      refused(await translate('OPENIDCONNECT', idToken({ jti, aud: 'elsewhere' }), 'OPENIDCONNECT', 'once'), 401, 'jwt_audience_mismatch');
      const token = idToken({ jti });
      expect(issued(await translate('OPENIDCONNECT', token, 'OPENIDCONNECT', 'once')).sub).toBe('alice');
      refused(await translate('OPENIDCONNECT', token, 'OPENIDCONNECT', 'once'), 401, 'jwt_replayed');
      refused(await translate('OPENIDCONNECT', idToken({ jti }), 'OPENIDCONNECT', 'once'), 401, 'jwt_replayed');
      refused(await translate('OPENIDCONNECT', idToken({ jti: undefined }), 'OPENIDCONNECT', 'once'), 401, 'jwt_missing_claim');
    });
    it('one_time_use is deployment-wide: a jti spent at one instance -> 401 jwt_replayed at another trusting the issuer', async () => {
      const token = idToken({ jti: `shared-${counter++}` });
      expect(issued(await translate('OPENIDCONNECT', token, 'OPENIDCONNECT', 'once')).sub).toBe('alice');
      refused(await translate('OPENIDCONNECT', token, 'JWT', 'once-too'), 401, 'jwt_replayed');
    });
    it('max_token_age_seconds and required_claims', async () => {
      refused(await translate('OPENIDCONNECT', idToken({ iat: now() - 600 }), 'OPENIDCONNECT', 'young'), 401, 'jwt_too_old');
      refused(await translate('OPENIDCONNECT', idToken({ department: undefined }), 'OPENIDCONNECT', 'young'), 401, 'jwt_missing_claim');
      expect(issued(await translate('OPENIDCONNECT', idToken(), 'OPENIDCONNECT', 'young')).department).toBe('R&D');
    });
  });
});

describe('an ID token of one STS accepted by another', () => {
  let issuer: TestServer;
  let relying: TestServer;
  afterAll(async () => {
    await issuer?.close();
    await relying?.close();
  });
  it('USERNAME -> OPENIDCONNECT on one server; its /oauth2 JWKS written to a jwks_file of another, which accepts the ID token', async () => {
    issuer = await startTestServer({ root: await rootRealm() });
    const jwks = await issuer.get('/oauth2/default/jwks');
    expect(jwks.status).toBe(200);
    writeFileSync(join(work, 'sts-jwks.json'), JSON.stringify(jwks.body));
    const minted = await issuer.post('/rest-sts/default?_action=translate', usernameToOidc('alice', DEMO_PASSWORD));
    expect(minted.status).toBe(200);
    relying = await startTestServer({
      root: {
        realm: '/',
        keys: [{ kid: 'ec-2', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
        instances: {
          chain: {
            supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'JWT' }],
            oidc_validation: { trusted_issuers: [{ issuer: 'https://sts.test', jwks_file: join(work, 'sts-jwks.json'), algorithms: ['RS256', 'ES256'], audiences: ['rp-client'] }] },
            access_token: { issuer: 'https://sts2.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-2', claim_map: { email: 'email' } },
          },
        },
      },
    });
    const res = await relying.post('/rest-sts/chain?_action=translate', {
      input_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: minted.body.issued_token },
      output_token_state: { token_type: 'JWT' },
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.issued_token)).toMatchObject({ iss: 'https://sts2.test', sub: 'alice', email: 'alice@example.com' });
  });
});
