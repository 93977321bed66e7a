/**
 * Property suite for SAML2 input at `POST /rest-sts{P}?_action=translate`: mutations of one valid
 * assertion (signed by xmlsec1 with an IdP key openssl made, test/support/xmlsec-assertion.ts)
 * and hostile XML. For every input: never a 5xx, the SPEC 4.2 error shape, and a 200 only for an
 * assertion that still names alice and whose signed content is unchanged; since assertion IDs are
 * one-time, at most one 200 ever (a mutation that keeps the canonical form may use up the original).
 */
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { described, expectAlive, expectSpecAnswer, flipBit, nastyString, params, postJson, SAML_AUDIENCE, SAML_IDP, SAML_RECIPIENT, startFixture, type Fixture } from './property-support';
import { signedBearerAssertion } from '../support/xmlsec-assertion';

const TRANSLATE = '/rest-sts/prop?_action=translate';
const NAME_ID = 'alice@idp.test';

let fixture: Fixture;
let base: string;
let assertion: string;
let accepted = 0;

/** A bearer assertion for alice from the trusted IdP, signed by xmlsec1 (raw XML). */
const signedAssertion = () =>
  signedBearerAssertion(fixture.work, fixture.samlIdp, { issuer: SAML_IDP, audience: SAML_AUDIENCE, recipient: SAML_RECIPIENT, nameId: NAME_ID });

const samlBody = (token: unknown) => ({ input_token_state: { token_type: 'SAML2', saml2_token: token }, output_token_state: { token_type: 'OPENIDCONNECT' } });

beforeAll(async () => {
  fixture = await startFixture();
  base = fixture.server.baseUrl;
  assertion = signedAssertion();
  // A second, separately signed assertion (another ID) shows the set-up works; the first stays unused.
  const res = await postJson(base, TRANSLATE, samlBody(signedAssertion()));
  expect(res.status).toBe(200);
});
afterAll(() => fixture?.close());
afterEach(async () => {
  await expectAlive(fixture.server);
});

type Mutation = (xml: string) => string;
const m = (desc: string, fn: Mutation) => described(desc, fn);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(6)).map(([i, bit]) => m(`flipBit(${i}, ${bit})`, (x) => flipBit(x, i, bit))),
  fc.nat().map((n) => m(`truncate(${n})`, (x) => x.slice(0, n % x.length))),
  fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([i, s]) => m(`insert(${i}, ${JSON.stringify(s)})`, (x) => x.slice(0, i % x.length) + s + x.slice(i % x.length))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([i, n]) => m(`delete(${i}, ${n})`, (x) => x.slice(0, i % x.length) + x.slice((i % x.length) + n))),
  fc.oneof(nastyString, fc.constantFrom('bob@idp.test', 'alice@idp.test.evil.com', 'admin')).map((name) =>
    m(`nameId(${JSON.stringify(name).slice(0, 80)})`, (x) => x.replace(`>${NAME_ID}</saml:NameID>`, `>${name.replace(/[<&]/g, '')}</saml:NameID>`)),
  ),
  fc.constantFrom<Mutation>(
    m('comment in NameID', (x) => x.replace(`>${NAME_ID}<`, '>alice@idp.test<!---->.evil.com<')),
    m('wrapped twice', (x) => `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${x.replace(/^<\?xml[^>]*>\s*/, '')}${x.replace(/^<\?xml[^>]*>\s*/, '').replace(NAME_ID, 'bob@idp.test')}</samlp:Response>`),
    m('evil assertion first', (x) => {
      const body = x.replace(/^<\?xml[^>]*>\s*/, '');
      const evil = body.replace(/ID="[^"]+"/, 'ID="_evil"').replace(NAME_ID, 'bob@idp.test').replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
      return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${evil}${body}</samlp:Response>`;
    }),
    m('signature removed', (x) => x.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')),
    m('doctype', (x) => x.replace(/^(<\?xml[^>]*>)?/, '$1<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>')),
    m('billion laughs', (x) => x.replace(/^(<\?xml[^>]*>)?/, '$1<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')),
    m('audience changed', (x) => x.replace(`>${SAML_AUDIENCE}<`, '>https://other.test<')),
    m('issuer changed', (x) => x.replace(`>${SAML_IDP}<`, '>https://evil.test<')),
    m('sha1 digest', (x) => x.replace('http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2000/09/xmldsig#sha1')),
    m('base64 of a flipped body', (x) => Buffer.from(x.replace('NotOnOrAfter="', 'NotOnOrAfter="9')).toString('base64')),
    m('utf-16 garbage', (x) => Buffer.from(x, 'utf16le').toString('latin1')),
  ),
);

describe('SAML2 input: mutations of a signed assertion', () => {
  it('never a 5xx; a 200 at most once, and only for alice', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (mutate, asBase64) => {
        const mutated = mutate(assertion);
        fc.pre(mutated !== assertion);
        const res = await postJson(base, TRANSLATE, samlBody(asBase64 ? Buffer.from(mutated).toString('base64') : mutated));
        expectSpecAnswer(res);
        if (res.status === 200) {
          accepted++;
          expect(decodeJwt(res.body.issued_token).sub).toBe(NAME_ID);
          // The assertion ID is one-time: two acceptances would be a replay.
          expect(accepted).toBe(1);
        }
      }),
      params(300),
    );
  });

  it('hostile or random saml2_token values never give a 5xx or a token', async () => {
    const hostile = fc.oneof(
      nastyString,
      fc.integer({ min: 1, max: 20_000 }).map((n) => `<a>${'<b>'.repeat(n)}${'</b>'.repeat(n)}</a>`),
      fc.integer({ min: 60_000, max: 70_000 }).map((n) => `<a>${'x'.repeat(n)}</a>`),
      fc.constantFrom('<', '<?xml version="1.0"?>', '<saml:Assertion/>', '<x:Assertion xmlns:x="urn:oasis:names:tc:SAML:2.0:assertion"/>', '<!-- -->', ']]>', '\ufeff<a/>', 'PGE+', '====', '<a xmlns:a="x" a:b="1" a:b="2"/>'),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        const res = await postJson(base, TRANSLATE, samlBody(value));
        expectSpecAnswer(res);
        expect(res.status).not.toBe(200);
      }),
      params(150),
    );
  });
});
