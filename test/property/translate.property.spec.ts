/**
 * Property suite for `POST /rest-sts{P}?_action=translate`: random JSON, nasty objects, random
 * structurally valid bodies, mutated username/password bodies and mutated ES256 ID tokens from a
 * trusted issuer. For every input: never a 5xx, the SPEC 4.2 error shape with code == status, and a
 * 200 only for an input that is genuinely valid; the server still answers /health/live afterwards.
 */
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import {
  base64urlGarbage,
  described,
  DEMO_PASSWORD,
  expectAlive,
  expectNoPollution,
  expectSpecAnswer,
  flipBit,
  jsonText,
  nastyKey,
  nastyString,
  nastyValue,
  params,
  postJson,
  rawPost,
  startFixture,
  validIdToken,
  type Fixture,
} from './property-support';

const TRANSLATE = '/rest-sts/prop?_action=translate';
const TYPES = ['USERNAME', 'OPENIDCONNECT', 'JWT', 'SAML2', 'X509', 'CUSTOM', 'username', 'Username', 'NOPE', ''];

let fixture: Fixture;
let base: string;
beforeAll(async () => {
  fixture = await startFixture();
  base = fixture.server.baseUrl;
});
afterAll(() => fixture?.close());
afterEach(async () => {
  expectNoPollution();
  await expectAlive(fixture.server);
});

/** Did this body carry exactly alice's password (after the NFC normalisation the store applies)? */
function carriesValidPassword(body: unknown): boolean {
  const input = (body as { input_token_state?: Record<string, unknown> } | null)?.input_token_state;
  return (
    typeof input === 'object' &&
    input !== null &&
    input.token_type === 'USERNAME' &&
    input.username === 'alice' &&
    typeof input.password === 'string' &&
    input.password.normalize('NFC') === DEMO_PASSWORD
  );
}

describe('translate: arbitrary bodies', () => {
  it('random JSON text, nasty objects and deep nesting never give a 5xx, a bad error shape or a token', async () => {
    await fc.assert(
      fc.asyncProperty(jsonText, async (text) => {
        const res = await postJson(base, TRANSLATE, text);
        expectSpecAnswer(res);
        expect(res.status).not.toBe(200);
      }),
      params(400),
    );
  });

  it('random values under input_token_state / output_token_state', async () => {
    await fc.assert(
      fc.asyncProperty(nastyValue, nastyValue, fc.dictionary(nastyKey, nastyValue, { maxKeys: 2 }), async (input, output, extra) => {
        const body = JSON.stringify({ input_token_state: input, output_token_state: output, ...extra });
        const res = await postJson(base, TRANSLATE, body);
        expectSpecAnswer(res);
        expect(res.status).not.toBe(200);
      }),
      params(300),
    );
  });

  it('random content types, actions and raw bytes', async () => {
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', '', 'application/json, text/plain');
    const action = fc.oneof(fc.constantFrom('translate', 'validate', 'cancel', 'TRANSLATE', 'translate&_action=cancel', '', 'translate%00'), fc.string().map(encodeURIComponent));
    const bytes = fc.oneof(jsonText.map((t) => Buffer.from(t)), fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)));
    await fc.assert(
      fc.asyncProperty(contentType, action, bytes, async (type, act, body) => {
        const res = await rawPost(base, `/rest-sts/prop?_action=${act}`, body, type ? { 'content-type': type } : {});
        expectSpecAnswer(res);
        if (res.status === 200) throw new Error('200 for garbage bytes');
      }),
      params(300),
    );
  });
});

describe('translate: structurally valid bodies with random fields', () => {
  const field = fc.oneof(nastyString, fc.constant('alice'), fc.constant(DEMO_PASSWORD), nastyValue);
  const tokenState = fc.record(
    {
      token_type: fc.oneof(fc.constantFrom(...TYPES), nastyString),
      username: field,
      password: field,
      oidc_id_token: field,
      jwt: field,
      saml2_token: field,
      nonce: field,
      allow_access: fc.oneof(fc.boolean(), nastyValue),
      scope: field,
      claims: nastyValue,
      csr: field,
    },
    { requiredKeys: ['token_type'] },
  );

  it('a 200 only for alice with her exact password; every other answer a SPEC error', async () => {
    await fc.assert(
      fc.asyncProperty(tokenState, tokenState, async (input, output) => {
        const body = { input_token_state: input, output_token_state: output };
        const res = await postJson(base, TRANSLATE, body);
        expectSpecAnswer(res);
        if (res.status === 200) {
          expect(carriesValidPassword(body)).toBe(true);
          expect(decodeJwt(res.body.issued_token).sub).toBe('alice');
        }
      }),
      params(250),
    );
  });
});

describe('translate: mutations of a valid username/password body', () => {
  const good = { input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD }, output_token_state: { token_type: 'OPENIDCONNECT' } };
  const goodText = JSON.stringify(good);

  /** Mutations of the JSON text: bit flips, truncation, insertions, JSON whitespace (semantics-preserving). */
  const mutation = fc.oneof(
    fc.tuple(fc.nat(), fc.nat(6)).map(([i, bit]) => described(`flipBit(${i}, ${bit})`, (t: string) => flipBit(t, i, bit))),
    fc.nat().map((n) => described(`truncate(${n})`, (t: string) => t.slice(0, n % t.length))),
    fc.tuple(fc.nat(), fc.string({ maxLength: 4 })).map(([i, s]) => described(`insert(${i}, ${JSON.stringify(s)})`, (t: string) => t.slice(0, i % t.length) + s + t.slice(i % t.length))),
    fc.tuple(fc.nat(), fc.nat({ max: 20 })).map(([i, n]) => described(`delete(${i}, ${n})`, (t: string) => t.slice(0, i % t.length) + t.slice((i % t.length) + n))),
    // Whitespace between JSON tokens (after a structural character) keeps the meaning.
    fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\t', '\r\n ')).map(([i, ws]) => described(`whitespace(${i}, ${JSON.stringify(ws)})`, (t: string) => {
      const spots = [...t.matchAll(/[{}[\]:,]/g)].map((m) => m.index! + 1);
      const at = spots[i % spots.length];
      return t.slice(0, at) + ws + t.slice(at);
    })),
  );
  const passwordMutation = fc.oneof(
    fc.tuple(fc.nat(), fc.nat(6)).map(([i, bit]) => flipBit(DEMO_PASSWORD, i, bit)),
    fc.nat(DEMO_PASSWORD.length - 1).map((n) => DEMO_PASSWORD.slice(0, n)),
    fc.string({ minLength: 1, maxLength: 3 }).map((s) => DEMO_PASSWORD + s),
    fc.string({ minLength: 1, maxLength: 3 }).map((s) => s + DEMO_PASSWORD),
    fc.constantFrom(DEMO_PASSWORD.toUpperCase(), ` ${DEMO_PASSWORD}`, `${DEMO_PASSWORD} `, `${DEMO_PASSWORD}\u0000`, DEMO_PASSWORD.replace('e', 'e\u0301'), DEMO_PASSWORD.replace(/ /g, '\u00a0')),
  );

  it('a mutated body yields 200 only when it still parses to alice with her exact password', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const text = mutate(goodText);
        fc.pre(text !== goodText);
        const res = await postJson(base, TRANSLATE, text);
        expectSpecAnswer(res);
        if (res.status === 200) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            throw new Error(`200 for a body that is not JSON: ${text}`);
          }
          expect(carriesValidPassword(parsed)).toBe(true);
        }
      }),
      params(150),
    );
  });

  it('any password other than the real one (after NFC) is refused with 401 invalid_credentials', async () => {
    await fc.assert(
      fc.asyncProperty(passwordMutation, async (password) => {
        fc.pre(password.normalize('NFC') !== DEMO_PASSWORD);
        const res = await postJson(base, TRANSLATE, { ...good, input_token_state: { ...good.input_token_state, password } });
        expectSpecAnswer(res);
        expect(res.status).not.toBe(200);
      }),
      params(80),
    );
  });
});

describe('translate: mutations of a valid ES256 ID token from a trusted issuer', () => {
  let token: string;
  beforeAll(async () => {
    token = await validIdToken(fixture);
    // The unmutated token is accepted (the property below would be vacuous otherwise).
    const res = await postJson(base, TRANSLATE, oidcBody(token));
    expect(res.status).toBe(200);
  });
  const oidcBody = (t: unknown) => ({ input_token_state: { token_type: 'OPENIDCONNECT', oidc_id_token: t }, output_token_state: { token_type: 'OPENIDCONNECT' } });

  const b64 = (v: object | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const parts = (t: string) => t.split('.');
  const headerOf = (t: string) => JSON.parse(Buffer.from(parts(t)[0], 'base64url').toString()) as Record<string, unknown>;
  const payloadOf = (t: string) => JSON.parse(Buffer.from(parts(t)[1], 'base64url').toString()) as Record<string, unknown>;

  type Mutation = (t: string) => string;
  const segmentFlip: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(2), fc.nat(), fc.nat(6)).map(([segment, i, bit]) => described(`segmentFlip(${segment}, ${i}, ${bit})`, (t: string) => {
    const p = parts(t);
    p[segment] = flipBit(p[segment], i, bit);
    return p.join('.');
  }));
  const decodedFlip: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(2), fc.nat(), fc.nat(7)).map(([segment, i, bit]) => described(`decodedFlip(${segment}, ${i}, ${bit})`, (t: string) => {
    const p = parts(t);
    const bytes = Buffer.from(p[segment], 'base64url');
    bytes[i % bytes.length] ^= 1 << bit;
    p[segment] = bytes.toString('base64url');
    return p.join('.');
  }));
  const algSwap: fc.Arbitrary<Mutation> = fc
    .tuple(fc.constantFrom('none', 'None', 'NONE', 'HS256', 'HS512', 'RS256', 'PS256', 'ES384', 'EdDSA', 'ES256K', ''), fc.boolean(), fc.constantFrom('', 'sig', 'AAAA'))
    .map(([alg, dropKid, sig]) => described(`algSwap(${alg}, dropKid=${dropKid}, sig=${sig})`, (t: string) => {
      const header: Record<string, unknown> = { ...headerOf(t), alg };
      if (dropKid) delete header.kid;
      return `${b64(header)}.${parts(t)[1]}.${sig}`;
    }));
  const headerTamper: fc.Arbitrary<Mutation> = fc
    .tuple(fc.constantFrom('kid', 'typ', 'crit', 'jku', 'jwk', 'x5u', 'b64', 'zip', 'enc', 'cty'), nastyValue)
    .map(([name, value]) => described(`header.${name} = ${JSON.stringify(value)?.slice(0, 200)}`, (t: string) => `${b64({ ...headerOf(t), [name]: value })}.${parts(t)[1]}.${parts(t)[2]}`));
  const payloadTamper: fc.Arbitrary<Mutation> = fc
    .tuple(fc.constantFrom('sub', 'iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'department', '__proto__'), nastyValue)
    .map(([name, value]) => described(`payload.${name} = ${JSON.stringify(value)?.slice(0, 200)}`, (t: string) => `${parts(t)[0]}.${b64({ ...payloadOf(t), [name]: value })}.${parts(t)[2]}`));
  const structural: fc.Arbitrary<Mutation> = fc.oneof(
    fc.nat().map((n) => described(`truncate(${n})`, (t: string) => t.slice(0, n % t.length))),
    base64urlGarbage.map((g) => described(`extraSegment(${g})`, (t: string) => `${t}.${g}`)),
    base64urlGarbage.map((g) => described(`append(${g})`, (t: string) => `${t}${g}`)),
    fc.constantFrom<Mutation>((t) => `${t}.`, (t) => `.${t}`, (t) => t.replace(/\./g, '..'), (t) => ` ${t}`, (t) => `${t}\n`, (t) => t.replace(/-/g, '+').replace(/_/g, '/'), (t) => `${t}==`, (t) => parts(t).slice(0, 2).join('.') + '.', (t) => parts(t).slice(0, 2).join('.')),
    fc.tuple(fc.nat(2), base64urlGarbage).map(([segment, g]) => described(`replaceSegment(${segment}, ${g})`, (t: string) => {
      const p = parts(t);
      p[segment] = g;
      return p.join('.');
    })),
    // A JWE-like five-part token, and a JSON serialization.
    fc.constant<Mutation>((t) => `${b64({ alg: 'dir', enc: 'A256GCM' })}..${parts(t)[1]}.${parts(t)[2]}.AAAA`),
    fc.constant<Mutation>((t) => JSON.stringify({ protected: parts(t)[0], payload: parts(t)[1], signature: parts(t)[2] })),
  );
  const mutation = fc.oneof(segmentFlip, decodedFlip, algSwap, headerTamper, payloadTamper, structural);

  /**
   * A mutation is semantics-preserving only if the signing input `header.payload` is byte-for-byte
   * the original and the signature decodes to the same bytes (base64url's unused trailing bits).
   */
  function sameSignedToken(mutated: string): boolean {
    const m = mutated.split('.');
    const o = parts(token);
    return m.length === 3 && m[0] === o[0] && m[1] === o[1] && /^[A-Za-z0-9_-]*$/.test(m[2]) && Buffer.from(m[2], 'base64url').equals(Buffer.from(o[2], 'base64url'));
  }

  it('a mutated ID token never yields a token unless its signed bytes and signature are unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const mutated = mutate(token);
        fc.pre(mutated !== token);
        const res = await postJson(base, TRANSLATE, oidcBody(mutated));
        expectSpecAnswer(res);
        if (res.status === 200) {
          if (!sameSignedToken(mutated)) throw new Error(`200 for a mutated ID token: ${mutated}`);
          expect(decodeJwt(res.body.issued_token).sub).toBe('alice');
        }
      }),
      params(500),
    );
  });

  it('the same mutations as JWT (access token) input are refused too', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const mutated = mutate(token);
        const res = await postJson(base, TRANSLATE, { input_token_state: { token_type: 'JWT', jwt: mutated }, output_token_state: { token_type: 'JWT' } });
        expectSpecAnswer(res);
        // An ID token (typ JWT) is never JWT input, mutated or not.
        expect(res.status).not.toBe(200);
      }),
      params(150),
    );
  });
});
