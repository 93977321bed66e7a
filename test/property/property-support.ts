/**
 * Shared pieces of the property suite (test/property/*.property.spec.ts): the seed, a raw HTTP
 * client that never throws on odd answers, the invariants every answer must satisfy, one realm
 * with every endpoint under test, and generators of nasty JSON, forms and token mutations.
 *
 * Reproduce a failure: fast-check prints `seed` and `path`; rerun with
 * `PROPERTY_SEED=<seed> npx jest test/property` (the same seed replays the same inputs), and
 * `PROPERTY_RUNS_SCALE=<factor>` scales every property's run count.
 */
import 'reflect-metadata';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { importJWK, SignJWT } from 'jose';
import { DEMO_PASSWORD, testPasswordHash } from '../support/realm-fixtures';
import { startTestServer, type TestServer } from '../support/test-server';
import { makeSamlTestIdp, type SamlTestIdp } from '../support/xmlsec-assertion';

export { DEMO_PASSWORD };

/** A fixed default so a red run is reproducible; override with PROPERTY_SEED. */
export const SEED = Number(process.env.PROPERTY_SEED ?? 20261123);
const RUN_SCALE = Number(process.env.PROPERTY_RUNS_SCALE ?? 1);

/** fast-check parameters of one property: the seed, the run count (scaled), no shrinking time bomb. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any property's tuple
export function params<T = any>(numRuns: number): fc.Parameters<T> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * RUN_SCALE)), endOnFailure: false, interruptAfterTimeLimit: 50_000 };
}

// eslint-disable-next-line no-console -- the seed must be visible in every run's output
console.log(`property suite: seed ${SEED} (PROPERTY_SEED=${SEED} to reproduce)`);

export const IDP = 'https://idp.property.test';
export const SAML_IDP = 'https://idp.property.test/saml';
export const SAML_AUDIENCE = 'https://sts.property.test/saml';
/** The `prop` instance's translate URL, as the IdP names it in the bearer Recipient. */
export const SAML_RECIPIENT = 'https://sts.property.test/rest-sts/prop';
export const CLIENT_ID = 'prop-client';
export const CLIENT_SECRET = 'property client secret';
export const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const URI = 'urn:ietf:params:oauth:token-type:';

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON, or undefined when the body was empty or not JSON (`json` false then). */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  readonly json: boolean;
}

/** POST with any body and content type; never throws on a non-JSON answer (the invariants judge it). */
export async function rawPost(baseUrl: string, path: string, body: string | Buffer, headers: Record<string, string>): Promise<RawResponse> {
  const response = await fetch(baseUrl + path, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let parsed: unknown;
  let json = false;
  try {
    parsed = text ? JSON.parse(text) : undefined;
    json = text.length > 0;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed, json };
}

export const postJson = (baseUrl: string, path: string, body: unknown) =>
  rawPost(baseUrl, path, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json' });

export const postFormRaw = (baseUrl: string, path: string, form: string, headers: Record<string, string> = {}) =>
  rawPost(baseUrl, path, form, { 'content-type': 'application/x-www-form-urlencoded', ...headers });

const LEAKS = [/\n\s*at /, /\bat [\w.<>]+ \(/, /\.[jt]s:\d+/, /node_modules/];

/** A readable description of an answer that broke an invariant (fast-check shows it with the input). */
class InvariantError extends Error {}
function fail(what: string, res: RawResponse): never {
  throw new InvariantError(`${what}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
}

/** Never a 5xx; a non-2xx answer has exactly the SPEC 4.2 shape with code == status. */
export function expectSpecAnswer(res: RawResponse): void {
  if (res.status >= 500) fail('5xx', res);
  if (res.status >= 200 && res.status < 300) return;
  if (!res.json || typeof res.body !== 'object' || res.body === null) fail('error body is not a JSON object', res);
  const keys = Object.keys(res.body).sort().join(',');
  if (keys !== 'code,error,message,reason') fail(`error body keys ${keys}`, res);
  if (res.body.code !== res.status) fail('code != status', res);
  for (const key of ['reason', 'message', 'error']) if (typeof res.body[key] !== 'string' || !res.body[key]) fail(`${key} not a non-empty string`, res);
  if (!/^application\/json/.test(res.headers.get('content-type') ?? '')) fail('error content-type', res);
  for (const leak of LEAKS) if (leak.test(res.text)) fail(`leak ${leak}`, res);
}

/** Token endpoint: never a 5xx; a non-2xx answer is RFC 6749 section 5.2 `{error, error_description}`. */
export function expectOAuthAnswer(res: RawResponse): void {
  if (res.status >= 500) fail('5xx', res);
  if (res.status >= 200 && res.status < 300) return;
  if (!res.json || typeof res.body !== 'object' || res.body === null) fail('error body is not a JSON object', res);
  const keys = Object.keys(res.body).sort().join(',');
  if (keys !== 'error,error_description') fail(`error body keys ${keys}`, res);
  if (typeof res.body.error !== 'string' || typeof res.body.error_description !== 'string' || !res.body.error_description) fail('error members', res);
  for (const leak of LEAKS) if (leak.test(res.text)) fail(`leak ${leak}`, res);
}

export async function expectAlive(server: TestServer): Promise<void> {
  const res = await rawGet(server.baseUrl, '/health/live');
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { status: 'UP' } });
}

async function rawGet(baseUrl: string, path: string): Promise<RawResponse> {
  const response = await fetch(baseUrl + path, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined, json: true };
}

// ---------------------------------------------------------------------------------------------
// The realm under test: one instance `prop` with every transform the properties need, persisted
// tokens, an OAuth client, token exchange, a trusted ES256 issuer and a trusted SAML IdP; and a
// `stateless` instance without persistence or token exchange.

export interface Fixture {
  readonly server: TestServer;
  readonly work: string;
  /** The trusted issuer's private key (ES256, kid e1). */
  readonly idpPrivateJwk: JsonWebKey;
  /** Paths of the SAML IdP key and certificate (openssl), for xmlsec1 signing. */
  readonly samlIdp: SamlTestIdp;
  close(): Promise<void>;
}

export const TRANSFORMS = [
  { from: 'USERNAME', to: 'OPENIDCONNECT' },
  { from: 'USERNAME', to: 'JWT' },
  { from: 'OPENIDCONNECT', to: 'OPENIDCONNECT' },
  { from: 'OPENIDCONNECT', to: 'JWT' },
  { from: 'JWT', to: 'JWT' },
  { from: 'SAML2', to: 'OPENIDCONNECT' },
  { from: 'SAML2', to: 'JWT' },
];

export async function startFixture(): Promise<Fixture> {
  const work = mkdtempSync(join(tmpdir(), 'sts-property-'));
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const idpPrivateJwk = pair.privateKey.export({ format: 'jwk' });
  writeFileSync(join(work, 'idp-jwks.json'), JSON.stringify({ keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid: 'e1', alg: 'ES256', use: 'sig' }] }));
  const samlIdp = makeSamlTestIdp(work, 'saml-idp');
  const hash = await testPasswordHash();
  const clientHash = await testPasswordHash(CLIENT_SECRET);
  const outputs = {
    oidc: { issuer: 'https://sts.property.test', audience: ['rp'], token_lifetime_seconds: 300, signature_algorithm: 'ES256', signing_key: 'ec-1' },
    access_token: { issuer: 'https://sts.property.test', audience: ['api'], client_id: 'property-app', signature_algorithm: 'ES256', signing_key: 'ec-1', allowed_scopes: ['read', 'write'], allowed_custom_claims: ['tenant'] },
  };
  const prop = {
    supported_token_transforms: TRANSFORMS,
    persist_issued_tokens: true,
    oauth_clients: [{ client_id: CLIENT_ID, client_secret_hash: clientHash }],
    token_exchange: {},
    ...outputs,
    oidc_validation: {
      trusted_issuers: [{ issuer: IDP, jwks_file: join(work, 'idp-jwks.json'), algorithms: ['ES256'], audiences: ['sts'] }],
      one_time_use: false,
    },
    saml2_validation: { trusted_idps: [{ entity_id: SAML_IDP, certificate_file: samlIdp.cert }], audience: SAML_AUDIENCE, recipients: [SAML_RECIPIENT] },
  };
  const server = await startTestServer(
    {
      root: {
        realm: '/',
        identity_store: { type: 'file', users: [{ username: 'alice', password_hash: hash, attributes: { mail: 'alice@example.com' } }] },
        keys: [{ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
        instances: {
          // Both issue for https://sts.property.test; the issuer's metadata describes /prop.
          prop: { ...prop, issuer_primary: true },
          stateless: { supported_token_transforms: TRANSFORMS.slice(0, 2), oauth_clients: [{ client_id: CLIENT_ID, client_secret_hash: clientHash }], ...outputs },
        },
      },
    },
    { logLevel: (process.env.PROPERTY_LOG_LEVEL ?? 'fatal') as 'fatal', accessLog: false, maxBodyBytes: 64 * 1024 },
  );
  return {
    server,
    work,
    idpPrivateJwk,
    samlIdp,
    close: async () => {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A valid ES256 ID token from the trusted issuer, for `aud: sts`, valid for ten minutes. */
export async function validIdToken(fixture: Fixture, claims: Record<string, unknown> = {}): Promise<string> {
  const key = await importJWK(fixture.idpPrivateJwk as Parameters<typeof importJWK>[0], 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alice', department: 'R&D', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'e1', typ: 'JWT' })
    .setIssuer(IDP)
    .setAudience('sts')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .setJti(`j-${now}-${Math.random()}`)
    .sign(key);
}

// ---------------------------------------------------------------------------------------------
// Generators

/** Keys that have broken JSON handlers before. */
export const nastyKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '',
  ' ',
  'token_type',
  'input_token_state',
  'output_token_state',
  'validated_token_state',
  'cancelled_token_state',
  'username',
  'password',
  'oidc_id_token',
  'jwt',
  'saml2_token',
  '\u0000',
  '\ud800',
  'ключ',
  '🔑',
);

export const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', 'null', 'undefined', 'NaN', '\u0000', '\ud800', '\udfff', '%00', '../../etc/passwd', '<x/>', '{"a":1}', '${jndi:x}', 'USERNAME', 'OPENIDCONNECT', 'JWT', 'SAML2', 'X509', 'CUSTOM'),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'a'.repeat(n)),
  fc.nat({ max: 5000 }).map((n) => '\u00e9\u0301🔑'.repeat(n)),
);

const nastyLeaf: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e308, 0.1),
);

/** Objects (own enumerable keys include nasty ones such as `__proto__`), arrays and leaves, nested. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, nastyLeaf, tie('object'), tie('array')),
  object: fc.dictionary(fc.oneof(nastyKey, fc.string()), tie('value'), { maxKeys: 6, noNullPrototype: false }),
  array: fc.array(tie('value'), { maxLength: 6 }),
})).value;

/** A deeply nested array or object (`[[[[...]]]]`), as JSON text. */
export const deepJson = fc.tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean()).map(([depth, objects]) =>
  objects ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth),
);

/** JSON text of a random value, where `__proto__` keys really are in the text (JSON.stringify keeps own `__proto__` keys). */
export const jsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  nastyValue.map((v) => JSON.stringify(v) ?? 'null'),
  deepJson,
  fc.string(),
  fc.constantFrom('', ' ', 'null', 'true', '0', '"x"', '[]', '{}', '{', '}', '{"a":1,}', '\ufeff{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'),
);

/** A base64url alphabet string (also used as garbage segments). */
export const base64urlGarbage = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), maxLength: 120 });

/** Flips one bit of one character of `text` (at a chosen index), yielding a different string. */
export function flipBit(text: string, index: number, bit: number): string {
  const i = index % text.length;
  const code = text.charCodeAt(i) ^ (1 << (bit % 7));
  return text.slice(0, i) + String.fromCharCode(code) + text.slice(i + 1);
}

/** A mutation function that prints as `desc` in fast-check's counterexamples. */
export function described<F extends (text: string) => string>(desc: string, fn: F): F {
  return Object.assign(fn, { [fc.toStringMethod]: () => desc });
}

/** Prototype pollution never leaks out of a request. */
export function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ['x', 'polluted', 'a', 'token_type']) if (key in probe) throw new Error(`Object.prototype polluted with ${key}`);
}
