/**
 * Property suite for the OAuth endpoints: RFC 8693 token exchange (`POST /oauth2{P}/token`) and
 * RFC 7662 introspection (`POST /oauth2{P}/introspect`) with random forms (random grant types and
 * token type URIs, duplicated parameters, huge values, random client credentials) and mutations of
 * a valid ES256 ID token from a trusted issuer as the subject token. For every input: never a 5xx;
 * token endpoint errors are RFC 6749 `{error, error_description}`, introspection errors SPEC 4.2;
 * a token only for a genuinely valid exchange; `active: true` only for our own live token.
 */
import fc from 'fast-check';
import { basicAuthorization } from '../support/oauth-client';
import {
  base64urlGarbage,
  CLIENT_ID,
  CLIENT_SECRET,
  DEMO_PASSWORD,
  described,
  expectAlive,
  expectNoPollution,
  expectOAuthAnswer,
  expectSpecAnswer,
  flipBit,
  GRANT,
  nastyString,
  params,
  postFormRaw,
  postJson,
  rawPost,
  startFixture,
  URI,
  validIdToken,
  type Fixture,
} from './property-support';

let fixture: Fixture;
let base: string;
let idToken: string;
let issued: string;
const goodAuth = basicAuthorization(CLIENT_ID, CLIENT_SECRET);

beforeAll(async () => {
  fixture = await startFixture();
  base = fixture.server.baseUrl;
  idToken = await validIdToken(fixture);
  const res = await postJson(base, '/rest-sts/prop?_action=translate', {
    input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
    output_token_state: { token_type: 'JWT' },
  });
  expect(res.status).toBe(200);
  issued = res.body.issued_token;
  // The unmutated inputs work, so the properties below are not vacuous.
  const exchanged = await postFormRaw(base, '/oauth2/prop/token', new URLSearchParams({ grant_type: GRANT, subject_token: idToken, subject_token_type: `${URI}id_token` }).toString(), { authorization: goodAuth });
  expect(exchanged.status).toBe(200);
  const active = await postFormRaw(base, '/oauth2/prop/introspect', new URLSearchParams({ token: issued }).toString(), { authorization: goodAuth });
  expect(active.body.active).toBe(true);
});
afterAll(() => fixture?.close());
afterEach(async () => {
  expectNoPollution();
  await expectAlive(fixture.server);
});

type Pair = [string, string];
/** Which client credentials a request carries; `bad` ones are rare (each costs an scrypt check). */
type Auth = 'basic' | 'post' | 'both' | 'none' | 'bad-basic' | 'bad-post' | 'garbage-header';
const auth = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<Auth>('basic', 'post') },
  { weight: 3, arbitrary: fc.constantFrom<Auth>('none', 'both', 'garbage-header') },
  { weight: 1, arbitrary: fc.constantFrom<Auth>('bad-basic', 'bad-post') },
);

function withAuth(kind: Auth, pairs: Pair[]): { form: Pair[]; headers: Record<string, string> } {
  switch (kind) {
    case 'basic':
      return { form: pairs, headers: { authorization: goodAuth } };
    case 'post':
      return { form: [...pairs, ['client_id', CLIENT_ID], ['client_secret', CLIENT_SECRET]], headers: {} };
    case 'both':
      return { form: [...pairs, ['client_id', CLIENT_ID], ['client_secret', CLIENT_SECRET]], headers: { authorization: goodAuth } };
    case 'bad-basic':
      return { form: pairs, headers: { authorization: basicAuthorization(CLIENT_ID, `${CLIENT_SECRET}x`) } };
    case 'bad-post':
      return { form: [...pairs, ['client_id', CLIENT_ID], ['client_secret', 'wrong secret']], headers: {} };
    case 'garbage-header':
      return { form: pairs, headers: { authorization: 'Basic !!!notbase64' } };
    default:
      return { form: pairs, headers: {} };
  }
}
const authenticated = (kind: Auth) => kind === 'basic' || kind === 'post';
/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD, where encodeURIComponent throws). */
const percent = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const encodeForm = (pairs: Pair[]) => pairs.map(([k, v]) => `${percent(k)}=${percent(v)}`).join('&');

const tokenTypeUri = fc.oneof(
  fc.constantFrom(`${URI}id_token`, `${URI}access_token`, `${URI}jwt`, `${URI}saml2`, `${URI}saml1`, `${URI}refresh_token`, 'urn:rest-sts:token-type:CUSTOM', 'urn:rest-sts:token-type:', 'urn:rest-sts:token-type:USERNAME', `${URI}ID_TOKEN`, ''),
  nastyString,
);
const grantType = fc.oneof({ weight: 5, arbitrary: fc.constant(GRANT) }, fc.constantFrom('client_credentials', 'password', 'authorization_code', `${GRANT} `, GRANT.toUpperCase(), ''), nastyString);

/** Mutations of the valid ID token: bit flips, truncation, extra segments, alg swaps, garbage. */
const idTokenMutation = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(6)).map(([i, bit]) => described(`flipBit(${i}, ${bit})`, (t: string) => flipBit(t, i, bit))),
  fc.nat().map((n) => described(`truncate(${n})`, (t: string) => t.slice(0, n % t.length))),
  base64urlGarbage.map((g) => described(`extraSegment(${g})`, (t: string) => `${t}.${g}`)),
  fc.constantFrom('none', 'HS256', 'RS256', 'ES384').map((alg) =>
    described(`alg ${alg}`, (t: string) => `${Buffer.from(JSON.stringify({ alg, kid: 'e1', typ: 'JWT' })).toString('base64url')}.${t.split('.')[1]}.${alg === 'none' ? '' : t.split('.')[2]}`),
  ),
  fc.constantFrom(described('identity', (t: string) => t)),
);

/** The subject token: the valid one (maybe mutated), our issued access token, or garbage. */
const subjectToken = fc.oneof(
  { weight: 4, arbitrary: idTokenMutation.map((m) => ({ kind: 'id-token' as const, mutate: m })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'issued' as const }) },
  { weight: 2, arbitrary: fc.oneof(nastyString, base64urlGarbage).map((value) => ({ kind: 'garbage' as const, value })) },
);

const extraParam: fc.Arbitrary<Pair> = fc.tuple(
  fc.constantFrom('grant_type', 'subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope', 'actor_token', 'actor_token_type', 'client_id', 'client_secret', '__proto__', 'constructor', ''),
  fc.oneof(nastyString, fc.constantFrom('read', 'write', 'read write', 'api', 'rp', 'https://api.test/', `${URI}access_token`, `${URI}id_token`)),
);

describe('token exchange: random forms', () => {
  it('never a 5xx; errors in the RFC 6749 shape; a token only for the unmutated ID token of the trusted issuer', async () => {
    await fc.assert(
      fc.asyncProperty(
        grantType,
        subjectToken,
        tokenTypeUri,
        fc.option(tokenTypeUri, { nil: undefined }),
        fc.array(extraParam, { maxLength: 4 }),
        auth,
        async (grant, subject, subjectType, requested, extras, authKind) => {
          const token = subject.kind === 'id-token' ? subject.mutate(idToken) : subject.kind === 'issued' ? issued : subject.value;
          const pairs: Pair[] = [['grant_type', grant], ['subject_token', token], ['subject_token_type', subjectType], ...(requested === undefined ? [] : [['requested_token_type', requested] as Pair]), ...extras];
          const { form, headers } = withAuth(authKind, pairs);
          const res = await postFormRaw(base, '/oauth2/prop/token', encodeForm(form), headers);
          expectOAuthAnswer(res);
          if (res.status === 200) {
            // Only a genuine exchange: authenticated client, the right grant, the exact ID token
            // (or our own access token as a JWT subject), no parameter twice.
            expect(authenticated(authKind)).toBe(true);
            expect(grant).toBe(GRANT);
            const genuine = (token === idToken && subjectType === `${URI}id_token`) || (token === issued && [`${URI}access_token`, `${URI}jwt`].includes(subjectType));
            if (!genuine) throw new Error(`a token for a subject that is not valid: ${subjectType} ${token.slice(0, 300)}`);
            const names = form.map(([k]) => k);
            expect(new Set(names).size).toBe(names.length);
            expect(typeof res.body.access_token).toBe('string');
          }
        },
      ),
      params(300),
    );
  });

  it('raw bodies, content types and huge values never give a 5xx', async () => {
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=iso-8859-1', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '');
    const body = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.uint8Array({ maxLength: 500 }).map((a) => Buffer.from(a)),
      fc.constantFrom('%', '%%%', 'a=%zz', '=&=&=', '&&&', 'grant_type', `grant_type=${GRANT}&grant_type=${GRANT}`, '{"grant_type":"x"}', 'a[b]=c&a[__proto__][x]=1', '__proto__[x]=1', 'constructor[prototype][x]=1'),
      fc.integer({ min: 1_000, max: 100_000 }).map((n) => `grant_type=${GRANT}&subject_token=${'A'.repeat(n)}&subject_token_type=${URI}id_token`),
      fc.integer({ min: 100, max: 3_000 }).map((n) => Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&')),
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, fc.boolean(), async (type, payload, withClient) => {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        if (withClient) headers.authorization = goodAuth;
        const res = await rawPost(base, '/oauth2/prop/token', payload, headers);
        expectOAuthAnswer(res);
        expect(res.status).not.toBe(200);
      }),
      params(200),
    );
  });
});

describe('introspection: random forms', () => {
  const tokenValue = fc.oneof(
    { weight: 2, arbitrary: fc.constant<'issued'>('issued') },
    { weight: 3, arbitrary: idTokenMutation.map((m) => ({ mutate: m })) },
    { weight: 3, arbitrary: fc.oneof(nastyString, base64urlGarbage) },
  );
  const extra: fc.Arbitrary<Pair> = fc.tuple(fc.constantFrom('token', 'token_type_hint', 'client_id', 'client_secret', 'grant_type', '__proto__', ''), fc.oneof(nastyString, fc.constantFrom('access_token', 'refresh_token')));

  it('never a 5xx; errors in the SPEC shape; active only for our own live token with a good client', async () => {
    await fc.assert(
      fc.asyncProperty(tokenValue, fc.array(extra, { maxLength: 3 }), auth, fc.boolean(), async (picked, extras, authKind, dropToken) => {
        const token = picked === 'issued' ? issued : typeof picked === 'string' ? picked : picked.mutate(issued);
        const pairs: Pair[] = [...(dropToken ? [] : [['token', token] as Pair]), ...extras];
        const { form, headers } = withAuth(authKind, pairs);
        const res = await postFormRaw(base, '/oauth2/prop/introspect', encodeForm(form), headers);
        expectSpecAnswer(res);
        if (res.status === 200) {
          expect(authenticated(authKind)).toBe(true);
          if (res.body.active !== false) {
            const tokens = form.filter(([k]) => k === 'token').map(([, v]) => v);
            expect(tokens).toEqual([issued]);
            expect(res.body).toMatchObject({ active: true, sub: 'alice' });
          } else {
            expect(res.body).toEqual({ active: false });
          }
        }
      }),
      params(400),
    );
  });

  it('raw bodies and content types never give a 5xx', async () => {
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', '');
    const body = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('%', 'token=%zz', 'token', '=', '&&', 'token=a&token=b', '__proto__[x]=1', '{"token":"x"}'), fc.integer({ min: 1_000, max: 100_000 }).map((n) => `token=${'A'.repeat(n)}`));
    await fc.assert(
      fc.asyncProperty(contentType, body, fc.boolean(), async (type, payload, withClient) => {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        if (withClient) headers.authorization = goodAuth;
        const res = await rawPost(base, '/oauth2/prop/introspect', payload, headers);
        expectSpecAnswer(res);
        if (res.status === 200) expect(res.body).toEqual({ active: false });
      }),
      params(150),
    );
  });
});
