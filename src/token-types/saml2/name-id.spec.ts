import 'reflect-metadata';
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RealmKey } from '../../plugin-api/token-contract';
import { Saml2Config, Saml2NameIdConfig } from '../../realms/schema/saml2-config';
import { NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_UNSPECIFIED } from './assertion-namespaces';
import { effectiveNameIdFormat, nameIdProblems, pairwiseNameId, resolveNameId } from './name-id';
import type { ServiceProvider } from './service-provider';

const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const secret = randomBytes(32);
const pairwiseKey: RealmKey = { kid: 'pairwise', use: 'enc', family: 'oct', privateKey: createSecretKey(secret), secretBytes: 32 };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = new Map<string, RealmKey>([
  ['pairwise', pairwiseKey],
  ['short', { ...pairwiseKey, kid: 'short', privateKey: createSecretKey(randomBytes(16)), secretBytes: 16 }],
  ['retired', { ...pairwiseKey, kid: 'retired', retiredAt: new Date() }],
  ['rsa', { kid: 'rsa', use: 'sig', family: 'RSA', privateKey: rsa.privateKey, publicKey: rsa.publicKey, modulusBits: 2048 }],
  // A rotating key's name resolves to its active version.
  ['rotating', { ...pairwiseKey, kid: 'rotating.v2' }],
]);
const realm = { path: '/', keys: { get: (kid: string) => keys.get(kid) } };

function config(nameId?: Partial<Saml2NameIdConfig>, extra: Partial<Saml2Config> = {}): Saml2Config {
  return Object.assign(new Saml2Config(), { issuer: 'https://idp.test', ...(nameId && { name_id: Object.assign(new Saml2NameIdConfig(), nameId) }), ...extra });
}

function sp(entityId = 'https://sp.test', nameIdFormats: string[] = []): ServiceProvider {
  return {
    entityId,
    assertionConsumerServices: [{ url: `${entityId}/acs`, binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST' }],
    nameIdFormats,
    requestedAttributes: [],
    authnRequestsSigned: false,
    wantAssertionsSigned: false,
    signingCertificates: [],
  };
}

const identity = { mail: 'alice@example.com', groups: ['a', 'b'], employeeNumber: 1234, blank: '', control: 'a\u0000b', nested: { a: 1 } };

describe('effectiveNameIdFormat', () => {
  it('pairwise -> persistent; else the configured format; else the SP first; else unspecified', () => {
    expect(effectiveNameIdFormat(config({ pairwise_key: 'pairwise' }), sp('x', [EMAIL]))).toBe(NAMEID_FORMAT_PERSISTENT);
    expect(effectiveNameIdFormat(config(undefined, { name_id_format: EMAIL }), sp('x', [NAMEID_FORMAT_PERSISTENT]))).toBe(EMAIL);
    expect(effectiveNameIdFormat(config(), sp('x', [EMAIL, NAMEID_FORMAT_PERSISTENT]))).toBe(EMAIL);
    expect(effectiveNameIdFormat(config(), sp())).toBe(NAMEID_FORMAT_UNSPECIFIED);
  });
});

describe('resolveNameId', () => {
  const resolve = (settings: Saml2Config, provider = sp(), requestedFormat?: string) =>
    resolveNameId({ config: settings, sp: provider, keys: realm.keys, principal: 'alice', identity, requestedFormat });

  it('is the principal by default, with no qualifiers', () => {
    expect(resolve(config())).toEqual({ value: 'alice', format: NAMEID_FORMAT_UNSPECIFIED });
  });

  it('comes from an identity attribute, with the qualifiers configured', () => {
    const settings = config({ attribute: 'mail', name_qualifier: 'https://idp.test', sp_name_qualifier: 'https://sp.test' }, { name_id_format: EMAIL });
    expect(resolve(settings)).toEqual({ value: 'alice@example.com', format: EMAIL, nameQualifier: 'https://idp.test', spNameQualifier: 'https://sp.test' });
    expect(resolve(config({ attribute: 'employeeNumber' })).value).toBe('1234');
  });

  it.each([
    ['no-such', 'name_id_attribute_missing'],
    ['blank', 'name_id_attribute_missing'],
    ['groups', 'name_id_attribute_unusable'],
    ['control', 'name_id_attribute_unusable'],
    ['nested', 'name_id_attribute_unusable'],
  ])('an attribute %s the NameID cannot come from -> 400 %s', (attribute, code) => {
    expect(() => resolve(config({ attribute }))).toThrow(expect.objectContaining({ status: 400, code, message: expect.stringContaining(`"${attribute}"`) }));
  });

  it('an identity without attributes -> 400 name_id_attribute_missing', () => {
    expect(() => resolveNameId({ config: config({ attribute: 'mail' }), sp: sp(), keys: realm.keys, principal: 'alice', identity: undefined })).toThrow(
      expect.objectContaining({ status: 400, code: 'name_id_attribute_missing' }),
    );
  });

  it('pairwise: persistent, stable across requests, different per SP and per principal, not the principal', () => {
    const settings = config({ pairwise_key: 'pairwise' });
    const first = resolve(settings, sp('https://sp-a.test'));
    expect(first.format).toBe(NAMEID_FORMAT_PERSISTENT);
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resolve(settings, sp('https://sp-a.test')).value).toBe(first.value);
    expect(resolve(settings, sp('https://sp-b.test')).value).not.toBe(first.value);
    expect(resolveNameId({ config: settings, sp: sp('https://sp-a.test'), keys: realm.keys, principal: 'bob', identity }).value).not.toBe(first.value);
    expect(first.value).not.toContain('alice');
    // HMAC-SHA256 of the label, SP and principal under the realm secret, computed independently here.
    const expected = createHmac('sha256', secret).update(JSON.stringify(['rest-sts saml2 pairwise NameID', 'https://sp-a.test', 'alice'])).digest('base64url');
    expect(first.value).toBe(expected);
    expect(pairwiseNameId(pairwiseKey, 'https://sp-a.test', 'alice')).toBe(expected);
  });

  it('answers an AuthnRequest asking for its format, or unspecified; refuses one asking for another: 400 invalid_name_id_policy', () => {
    expect(resolve(config(undefined, { name_id_format: EMAIL }), sp(), EMAIL).format).toBe(EMAIL);
    expect(resolve(config(undefined, { name_id_format: EMAIL }), sp(), NAMEID_FORMAT_UNSPECIFIED).format).toBe(EMAIL);
    expect(resolve(config(), sp('x', [EMAIL]), EMAIL).format).toBe(EMAIL);
    expect(() => resolve(config({ pairwise_key: 'pairwise' }), sp(), EMAIL)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_name_id_policy' }));
    expect(() => resolve(config(), sp(), 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient')).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_name_id_policy' }),
    );
  });
});

describe('nameIdProblems', () => {
  it('accepts a usable configuration', () => {
    expect(nameIdProblems(config({ pairwise_key: 'pairwise', name_qualifier: 'https://idp.test' }, { name_id_format: NAMEID_FORMAT_PERSISTENT }), realm)).toEqual([]);
    expect(nameIdProblems(config({ attribute: 'mail' }), realm)).toEqual([]);
    expect(nameIdProblems(config(), realm)).toEqual([]);
  });

  it.each([
    [{ pairwise_key: 'nope' }, {}, 'saml2.name_id.pairwise_key', /no key "nope" in realm \//],
    [{ pairwise_key: 'rsa' }, {}, 'saml2.name_id.pairwise_key', /RSA key; a pairwise NameID is keyed by a secret \(an oct key\)/],
    [{ pairwise_key: 'short' }, {}, 'saml2.name_id.pairwise_key', /16 bytes; .* at least 32 bytes/],
    [{ pairwise_key: 'retired' }, {}, 'saml2.name_id.pairwise_key', /retired/],
    [{ pairwise_key: 'rotating' }, {}, 'saml2.name_id.pairwise_key', /rotates/],
    [{ pairwise_key: 'pairwise', attribute: 'mail' }, {}, 'saml2.name_id.attribute', /not both/],
    [{ pairwise_key: 'pairwise' }, { name_id_format: EMAIL }, 'saml2.name_id_format', /persistent format/],
    [{ attribute: '' }, {}, 'saml2.name_id.attribute', /names no identity attribute/],
    [{ name_qualifier: '' }, {}, 'saml2.name_id.name_qualifier', /non-empty string of XML characters/],
    [{ sp_name_qualifier: 'a\u0001' }, {}, 'saml2.name_id.sp_name_qualifier', /non-empty string of XML characters/],
  ] as const)('%j %j -> %s', (nameId, extra, path, message) => {
    expect(nameIdProblems(config(nameId, extra), realm)).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});
