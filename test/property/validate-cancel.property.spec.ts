/**
 * Property suite for `_action=validate` and `_action=cancel`: random token states and mutations of
 * a persisted issued ID token / access token. For every input: never a 5xx, the SPEC 4.2 error
 * shape, `token_valid: true` only for the very token issued, and no cancel with a mutated or random
 * token ever cancels the real one (it still validates afterwards).
 */
import fc from 'fast-check';
import {
  base64urlGarbage,
  DEMO_PASSWORD,
  described,
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
  startFixture,
  type Fixture,
} from './property-support';

let fixture: Fixture;
let base: string;
const issued: { OPENIDCONNECT: string; JWT: string } = { OPENIDCONNECT: '', JWT: '' };
const FIELD = { OPENIDCONNECT: 'oidc_id_token', JWT: 'jwt' } as const;

beforeAll(async () => {
  fixture = await startFixture();
  base = fixture.server.baseUrl;
  for (const type of ['OPENIDCONNECT', 'JWT'] as const) {
    const res = await postJson(base, '/rest-sts/prop?_action=translate', {
      input_token_state: { token_type: 'USERNAME', username: 'alice', password: DEMO_PASSWORD },
      output_token_state: { token_type: type },
    });
    expect(res.status).toBe(200);
    issued[type] = res.body.issued_token;
  }
});
afterAll(() => fixture?.close());
afterEach(async () => {
  expectNoPollution();
  await expectAlive(fixture.server);
  // Whatever was thrown at cancel, the real tokens are still live.
  for (const type of ['OPENIDCONNECT', 'JWT'] as const) {
    const res = await postJson(base, '/rest-sts/prop?_action=validate', { validated_token_state: { token_type: type, [FIELD[type]]: issued[type] } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { token_valid: true, principal: 'alice' } });
  }
});

/** Is `state` exactly a live token of ours under its own type's field? */
function namesRealToken(state: unknown): boolean {
  if (typeof state !== 'object' || state === null) return false;
  const s = state as Record<string, unknown>;
  return (s.token_type === 'OPENIDCONNECT' && s.oidc_id_token === issued.OPENIDCONNECT) || (s.token_type === 'JWT' && s.jwt === issued.JWT);
}

const actions = ['validate', 'cancel'] as const;
const stateName = { validate: 'validated_token_state', cancel: 'cancelled_token_state' } as const;

/** Mutations of a compact JWS (the issued tokens are ES256). */
const jwsMutation = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(6)).map(([i, bit]) => described(`flipBit(${i}, ${bit})`, (t: string) => flipBit(t, i, bit))),
  fc.nat().map((n) => described(`truncate(${n})`, (t: string) => t.slice(0, n % t.length))),
  base64urlGarbage.map((g) => described(`extraSegment(${g})`, (t: string) => `${t}.${g}`)),
  base64urlGarbage.map((g) => described(`append(${g})`, (t: string) => t + g)),
  fc.constantFrom(
    described('lowercase', (t: string) => t.toLowerCase()),
    described('spaces', (t: string) => ` ${t} `),
    described('no signature', (t: string) => t.split('.').slice(0, 2).join('.') + '.'),
    described('alg none', (t: string) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${t.split('.')[1]}.`),
    described('padding', (t: string) => `${t}==`),
  ),
);

describe('validate and cancel: arbitrary bodies', () => {
  it('random JSON text never gives a 5xx or a bad error shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), jsonText, async (action, text) => {
        const res = await postJson(base, `/rest-sts/prop?_action=${action}`, text);
        expectSpecAnswer(res);
        if (res.status === 200 && action === 'validate') expect(res.body).toEqual({ token_valid: false });
      }),
      params(250),
    );
  });

  it('random token states: valid only for our own token under its own field', async () => {
    const field = fc.oneof(nastyString, nastyValue, fc.constantFrom(issued.OPENIDCONNECT, issued.JWT), fc.constant('x'));
    const state = fc.oneof(
      nastyValue,
      fc.record(
        {
          token_type: fc.oneof(fc.constantFrom('OPENIDCONNECT', 'JWT', 'SAML2', 'X509', 'USERNAME', 'CUSTOM', 'openidconnect', ''), nastyString, nastyValue),
          oidc_id_token: field,
          jwt: field,
          saml2_token: field,
          x509_certificate: field,
          token: field,
          custom_token: field,
        },
        { requiredKeys: [] },
      ),
    );
    // The real tokens are only known after beforeAll; pick them lazily.
    const realOrNot = fc.oneof(state, fc.constantFrom<'real-oidc' | 'real-jwt'>('real-oidc', 'real-jwt'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), realOrNot, fc.dictionary(nastyKey, nastyValue, { maxKeys: 2 }), fc.boolean(), async (action, picked, extra, stateless) => {
        const value =
          picked === 'real-oidc'
            ? { token_type: 'OPENIDCONNECT', oidc_id_token: issued.OPENIDCONNECT, ...extra }
            : picked === 'real-jwt'
              ? { token_type: 'JWT', jwt: issued.JWT, ...extra }
              : picked;
        // Cancelling the real token would end the property's own fixture: validate only for it.
        fc.pre(!(action === 'cancel' && namesRealToken(value)));
        const instance = stateless ? 'stateless' : 'prop';
        const res = await postJson(base, `/rest-sts/${instance}?_action=${action}`, { [stateName[action]]: value });
        expectSpecAnswer(res);
        if (stateless) expect(res.status).not.toBe(200);
        if (res.status === 200 && action === 'validate' && res.body.token_valid !== false) {
          expect(namesRealToken(value)).toBe(true);
          expect(res.body).toEqual({ token_valid: true, principal: 'alice' });
        }
      }),
      params(300),
    );
  });
});

describe('validate and cancel: mutations of a persisted issued token', () => {
  it('a mutated token never validates, and cancelling it never cancels the real one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('OPENIDCONNECT', 'JWT') as fc.Arbitrary<'OPENIDCONNECT' | 'JWT'>, jwsMutation, fc.constantFrom(...actions), async (type, mutate, action) => {
        const mutated = mutate(issued[type]);
        fc.pre(mutated !== issued[type]);
        const res = await postJson(base, `/rest-sts/prop?_action=${action}`, { [stateName[action]]: { token_type: type, [FIELD[type]]: mutated } });
        expectSpecAnswer(res);
        if (action === 'validate' && res.status === 200) expect(res.body).toEqual({ token_valid: false });
        if (action === 'cancel' && res.status === 200) expect(res.body.result).toMatch(/nothing to cancel/);
      }),
      params(400),
    );
  });

  it('a real token under the other type or field is not valid', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('OPENIDCONNECT', 'JWT') as fc.Arbitrary<'OPENIDCONNECT' | 'JWT'>,
        fc.constantFrom('OPENIDCONNECT', 'JWT', 'SAML2', 'X509', 'CUSTOM'),
        fc.constantFrom('oidc_id_token', 'jwt', 'saml2_token', 'x509_certificate', 'token', 'custom_token'),
        async (tokenOf, type, field) => {
          fc.pre(!(type === tokenOf && field === FIELD[tokenOf]));
          const res = await postJson(base, '/rest-sts/prop?_action=validate', { validated_token_state: { token_type: type, [field]: issued[tokenOf] } });
          expectSpecAnswer(res);
          if (res.status === 200) expect(res.body).toEqual({ token_valid: false });
        },
      ),
      params(60),
    );
  });
});
