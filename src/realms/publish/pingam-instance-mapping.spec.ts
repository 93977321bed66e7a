import { refusal } from '../../../test/support/sts-refusal';
import {
  clientSecretKid,
  DEPLOYMENT_RULES,
  fromPingAmInstanceState,
  INSTANCE_RULES,
  OIDC_RULES,
  SAML2_RULES,
  toPingAmInstanceState,
  TRANSFORM_RULES,
} from './pingam-instance-mapping';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test

const SECTIONS = { 'deployment-config': DEPLOYMENT_RULES, 'oidc-id-token-config': OIDC_RULES, 'saml2-config': SAML2_RULES } as const;
type Section = keyof typeof SECTIONS | 'instance_state';

/** The smallest PingAM instance_state: names the instance, one transform. */
function minimal(extra: Json = {}, deployment: Json = {}): Json {
  return {
    'deployment-config': { 'deployment-url-element': 'username-transformer', 'deployment-realm': '/', ...deployment },
    'supported-token-transforms': [{ inputTokenType: 'USERNAME', outputTokenType: 'OPENIDCONNECT', invalidateInterimOpenAMSession: false }],
    ...extra,
  };
}

/** `key: value` placed in its section of a minimal instance_state. */
function withKey(section: Section, key: string, value: unknown): Json {
  if (section === 'instance_state') return minimal({ [key]: value });
  if (section === 'deployment-config') return minimal({}, { [key]: value });
  return minimal({ [section]: { [key]: value } });
}

// Every mapped key: PingAM value in -> our key path and value out (PingAM writes booleans and numbers as strings).
const MAPPED: Array<[Section, string, unknown, string, unknown]> = [
  ['deployment-config', 'deployment-offloaded-two-way-tls-header-key', 'client_cert', 'x509_validation.client_certificate_header', 'client_cert'],
  ['deployment-config', 'deployment-tls-offload-engine-hosts', ['10.0.0.6', '127.0.0.1'], 'x509_validation.trusted_proxies', ['10.0.0.6', '127.0.0.1']],
  ['oidc-id-token-config', 'oidc-issuer', 'https://sts.example.com', 'oidc.issuer', 'https://sts.example.com'],
  ['oidc-id-token-config', 'oidc-token-lifetime-seconds', '600', 'oidc.token_lifetime_seconds', 600],
  ['oidc-id-token-config', 'oidc-audience', ['oidc_audience'], 'oidc.audience', ['oidc_audience']],
  ['oidc-id-token-config', 'oidc-authorized-party', 'rp', 'oidc.authorized_party', 'rp'],
  ['oidc-id-token-config', 'oidc-signature-algorithm', 'RS256', 'oidc.signature_algorithm', 'RS256'],
  ['oidc-id-token-config', 'oidc-signature-key-alias', 'rsa-1', 'oidc.signing_key', 'rsa-1'],
  ['oidc-id-token-config', 'oidc-claim-map', { email: 'mail' }, 'oidc.claim_map', { email: 'mail' }],
  ['saml2-config', 'issuer-name', 'http://idp.com:8080/openam', 'saml2.issuer', 'http://idp.com:8080/openam'],
  ['saml2-config', 'saml2-name-id-format', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'saml2.name_id_format', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
  ['saml2-config', 'saml2-token-lifetime-seconds', '600', 'saml2.token_lifetime_seconds', 600],
  ['saml2-config', 'saml2-sign-assertion', 'true', 'saml2.sign_assertion', true],
  ['saml2-config', 'saml2-attribute-map', { email: 'mail' }, 'saml2.attribute_map', { email: 'mail' }],
  ['saml2-config', 'saml2-sp-entity-id', 'http://sp.com:8080/openam', 'saml2.sp_entity_id', 'http://sp.com:8080/openam'],
  ['saml2-config', 'saml2-sp-acs-url', 'http://sp.com:8080/openam/acs', 'saml2.sp_acs_url', 'http://sp.com:8080/openam/acs'],
  ['saml2-config', 'saml2-signature-key-alias', 'test', 'saml2.signing_key', 'test'],
  ['instance_state', 'persist-issued-tokens-in-cts', 'true', 'persist_issued_tokens', true],
];

// Accepted, never written (key material, PingAM-only state).
const NOT_STORED: Array<[Section, string, unknown]> = [
  ['deployment-config', 'deployment-auth-target-mappings', { USERNAME: { 'mapping-auth-index-type': 'service', 'mapping-auth-index-value': 'ldapService' } }],
  ['oidc-id-token-config', 'oidc-keystore-location', 'keystore.jks'],
  ['oidc-id-token-config', 'oidc-keystore-password', 'changeit'],
  ['oidc-id-token-config', 'oidc-signature-key-password', 'changeit'],
  ['saml2-config', 'saml2-keystore-filename', '/Users/DirkHogan/openam/openam/keystore.jks'],
  ['saml2-config', 'saml2-keystore-password', 'changeit'],
  ['saml2-config', 'saml2-signature-key-password', 'changeit'],
  ['saml2-config', 'saml2-encryption-algorithm', 'http://www.w3.org/2001/04/xmlenc#aes128-cbc'],
  ['saml2-config', 'saml2-encryption-algorithm-strength', '128'],
  ['saml2-config', 'saml2-encryption-key-alias', 'test'],
];

// Accepted while they ask for nothing (null, or the value listed); refused with anything else.
const UNSUPPORTED: Array<[Section, string, unknown, unknown]> = [
  ['oidc-id-token-config', 'oidc-public-key-reference-type', 'NONE', 'JWK'],
  ['oidc-id-token-config', 'oidc-custom-claim-mapper-class', null, 'com.example.ClaimMapper'],
  ['oidc-id-token-config', 'oidc-custom-authn-context-mapper-class', null, 'com.example.Acr'],
  ['oidc-id-token-config', 'oidc-custom-authn-method-references-mapper-class', null, 'com.example.Amr'],
  ['saml2-config', 'saml2-encrypt-assertion', 'false', 'true'],
  ['saml2-config', 'saml2-encrypt-attributes', false, true],
  ['saml2-config', 'saml2-encrypt-nameid', 'false', 'true'],
  ['saml2-config', 'saml2-custom-conditions-provider-class-name', null, 'com.example.C'],
  ['saml2-config', 'saml2-custom-subject-provider-class-name', null, 'com.example.S'],
  ['saml2-config', 'saml2-custom-attribute-statements-provider-class-name', null, 'com.example.A'],
  ['saml2-config', 'saml2-custom-attribute-mapper-class-name', null, 'com.example.M'],
  ['saml2-config', 'saml2-custom-authn-context-mapper-class-name', null, 'com.example.X'],
  ['saml2-config', 'saml2-custom-authentication-statements-provider-class-name', null, 'com.example.Y'],
  ['saml2-config', 'saml2-custom-authz-decision-statements-provider-class-name', null, 'com.example.Z'],
  ['instance_state', 'custom-token-validators', [], [{ 'custom-token-name': 'X', 'custom-operation-classname': 'com.example.V' }]],
  ['instance_state', 'custom-token-providers', [], [{ 'custom-token-name': 'X', 'custom-operation-classname': 'com.example.P' }]],
  ['instance_state', 'custom-token-transforms', [], [{ inputTokenType: 'X', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: false }]],
];

function at(source: Json, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Json | undefined)?.[part], source);
}

describe('PingAM instance_state -> realm file instance', () => {
  it('names the instance from deployment-url-element and deployment-realm, and maps the transforms', () => {
    const mapped = fromPingAmInstanceState(minimal({}, { 'deployment-realm': '/eu/fr', 'deployment-url-element': 'partners' }));
    expect(mapped).toEqual({ realm: '/eu/fr', name: 'partners', settings: { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }] }, notStored: [] });
  });

  it.each(MAPPED)('%s.%s maps onto %s', (section, key, value, ours, expected) => {
    const { settings } = fromPingAmInstanceState(withKey(section, key, value));
    expect(at(settings, ours)).toEqual(expected);
  });

  it.each(MAPPED)('%s.%s set to null (as PingAM writes unset fields) writes nothing', (section, key) => {
    const { settings } = fromPingAmInstanceState(withKey(section, key, null));
    expect(settings).toEqual({ supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }] });
  });

  it.each(NOT_STORED)('%s.%s is accepted, not written, and reported as such', (section, key, value) => {
    const { settings, notStored } = fromPingAmInstanceState(withKey(section, key, value));
    expect(settings).toEqual({ supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }] });
    expect(notStored).toEqual([`${section}.${key}`]);
  });

  it('invalidateInterimOpenAMSession is accepted either way and not written', () => {
    const state = minimal({ 'supported-token-transforms': [{ inputTokenType: 'OPENAM', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: true }] });
    const mapped = fromPingAmInstanceState(state);
    expect(mapped.settings.supported_token_transforms).toEqual([{ from: 'OPENAM', to: 'SAML2' }, { from: 'USERNAME', to: 'SESSION' }]);
    expect(mapped.notStored).toEqual(['supported-token-transforms.0.invalidateInterimOpenAMSession']);
  });

  describe('oidc-client-secret (the HS* ID-token secret)', () => {
    const withSecret = (alg: string, secret: unknown) => minimal({ 'oidc-id-token-config': { 'oidc-signature-algorithm': alg, 'oidc-client-secret': secret } });

    it('becomes a realm key that oidc.signing_key names, never a realm file value', () => {
      const secret = 'a'.repeat(32);
      const mapped = fromPingAmInstanceState(withSecret('HS256', secret));
      expect(mapped.secretKey).toEqual({ kid: clientSecretKid('/', 'username-transformer'), secret: Buffer.from(secret) });
      expect(mapped.settings.oidc).toEqual({ signature_algorithm: 'HS256', signing_key: mapped.secretKey!.kid });
      expect(JSON.stringify(mapped.settings)).not.toContain(secret);
    });

    it('names each instance its own key, within the kid rules', () => {
      const kids = [['/', 'a'], ['/', 'b'], ['/eu', 'a']].map(([realm, name]) => clientSecretKid(realm, name));
      expect(new Set(kids).size).toBe(3);
      for (const kid of kids) expect(kid).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    });

    it('is ignored, as PingAM ignores it, for an algorithm that is not HS*, and said so', () => {
      const mapped = fromPingAmInstanceState(withSecret('RS256', 'a'.repeat(40)));
      expect(mapped.secretKey).toBeUndefined();
      expect(mapped.settings.oidc).toEqual({ signature_algorithm: 'RS256' });
      expect(mapped.notStored).toEqual(['oidc-id-token-config.oidc-client-secret']);
    });

    it.each([
      ['HS256', 31, 'is 31 bytes long; HS256 needs a secret of at least 32 bytes'],
      ['HS384', 47, 'is 47 bytes long; HS384 needs a secret of at least 48 bytes'],
      ['HS512', 63, 'is 63 bytes long; HS512 needs a secret of at least 64 bytes'],
      ['HS256', 2049, 'is longer than 2048 bytes'],
    ])('refuses an %s secret of %i bytes without echoing it', (alg, length, message) => {
      const secret = 's'.repeat(length);
      const error = refusal(() => fromPingAmInstanceState(withSecret(alg, secret)));
      expect(error).toMatchObject({ status: 400, code: 'pingam_value_invalid' });
      expect(error.message).toContain(`oidc-id-token-config.oidc-client-secret ${message}`);
      expect(error.message).not.toContain(secret);
    });

    it('counts UTF-8 bytes, and refuses a secret that is not a string', () => {
      expect(fromPingAmInstanceState(withSecret('HS256', 'é'.repeat(16))).secretKey?.secret).toHaveLength(32);
      expect(refusal(() => fromPingAmInstanceState(withSecret('HS256', 42)))).toMatchObject({ status: 400, code: 'pingam_value_invalid' });
    });
  });

  describe('input settings PingAM keeps in its authentication modules', () => {
    const transforms = (...inputs: string[]) => inputs.map((input) => ({ inputTokenType: input, outputTokenType: 'OPENIDCONNECT', invalidateInterimOpenAMSession: false }));
    const oidc = { 'oidc-issuer': 'oidc_issuer', 'oidc-audience': ['rp'], 'oidc-signature-algorithm': 'RS256', 'oidc-signature-key-alias': 'rsa-1' };

    it('X509 with the TLS offload header: the offload engines verify the chain', () => {
      const state = minimal({ 'supported-token-transforms': transforms('X509') }, { 'deployment-offloaded-two-way-tls-header-key': 'client_cert', 'deployment-tls-offload-engine-hosts': ['10.0.0.6'] });
      expect(fromPingAmInstanceState(state).settings.x509_validation).toEqual({ client_certificate_header: 'client_cert', trusted_proxies: ['10.0.0.6'], proxy_verifies_chain: true });
    });

    it('X509 without the header, or the header without X509 input: no chain is taken on trust', () => {
      expect(fromPingAmInstanceState(minimal({ 'supported-token-transforms': transforms('X509') })).settings.x509_validation).toBeUndefined();
      const headerOnly = minimal({}, { 'deployment-offloaded-two-way-tls-header-key': 'client_cert' });
      expect(fromPingAmInstanceState(headerOnly).settings.x509_validation).toEqual({ client_certificate_header: 'client_cert' });
    });

    it("OPENIDCONNECT: the instance's own ID tokens, by its issuer, key, algorithm and audience", () => {
      const state = minimal({ 'supported-token-transforms': transforms('OPENIDCONNECT'), 'oidc-id-token-config': oidc });
      expect(fromPingAmInstanceState(state).settings.oidc_validation).toEqual({
        trusted_issuers: [{ issuer: 'oidc_issuer', realm_key: 'rsa-1', algorithms: ['RS256'], audiences: ['rp'] }],
      });
      const noKey = minimal({ 'supported-token-transforms': transforms('OPENIDCONNECT'), 'oidc-id-token-config': { ...oidc, 'oidc-signature-key-alias': null } });
      expect(fromPingAmInstanceState(noKey).settings.oidc_validation).toBeUndefined();
    });

    it('OPENAM: opaque sessions of the instance, opened by USERNAME -> SESSION (added once, hidden from the PingAM view)', () => {
      const mapped = fromPingAmInstanceState(minimal({ 'supported-token-transforms': [...transforms('OPENAM', 'USERNAME'), { inputTokenType: 'USERNAME', outputTokenType: 'SESSION' }] }));
      expect(mapped.settings.session).toEqual({ form: 'opaque' });
      expect((mapped.settings.supported_token_transforms as Json[]).filter((t) => t.to === 'SESSION')).toHaveLength(1);
      const back = toPingAmInstanceState(mapped.realm, mapped.name, mapped.settings);
      expect(back['supported-token-transforms']).toEqual(transforms('OPENAM', 'USERNAME'));
    });
  });

  it.each(UNSUPPORTED)('%s.%s is accepted as %j and refused with a value that asks for something', (section, key, harmless, refused) => {
    expect(fromPingAmInstanceState(withKey(section, key, harmless)).settings).toEqual({ supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }] });
    const error = refusal(() => fromPingAmInstanceState(withKey(section, key, refused)));
    expect(error).toMatchObject({ status: 400, code: 'pingam_key_unsupported' });
    expect(error.message).toContain(section === 'instance_state' ? key : `${section}.${key}`);
  });

  it('has a test row for every key of the mapping table', () => {
    const tested = new Set([...MAPPED, ...NOT_STORED, ...UNSUPPORTED].map(([section, key]) => `${section}.${key}`));
    tested.add('oidc-id-token-config.oidc-client-secret'); // its own tests above
    const table = [
      ...Object.entries(SECTIONS).flatMap(([section, rules]) => Object.keys(rules).map((key) => `${section}.${key}`)),
      ...Object.keys(INSTANCE_RULES).map((key) => `instance_state.${key}`),
    ].filter((key) => !['deployment-config.deployment-url-element', 'deployment-config.deployment-realm'].includes(key));
    expect(table.filter((key) => !tested.has(key))).toEqual([]);
    expect(Object.keys(TRANSFORM_RULES)).toEqual(['inputTokenType', 'outputTokenType', 'invalidateInterimOpenAMSession']);
  });

  describe('refuses, naming the key', () => {
    it.each([
      ['instance_state', 'soap-deployment-config'],
      ['deployment-config', 'deployment-am-url'],
      ['oidc-id-token-config', 'oidc-issuer-typo'],
      ['saml2-config', 'saml2-sign-response'],
      ['instance_state', '__proto__'],
      ['saml2-config', 'toString'],
    ] as Array<[Section, string]>)('an unknown key %s.%s', (section, key) => {
      const state = withKey(section, key, 'x');
      if (key === '__proto__') Object.defineProperty(state, '__proto__', { value: 'x', enumerable: true });
      const error = refusal(() => fromPingAmInstanceState(state));
      expect(error).toMatchObject({ status: 400, code: 'pingam_key_unknown' });
      expect(error.message).toContain(section === 'instance_state' ? key : `${section}.${key}`);
    });

    it('an unknown key in a transform', () => {
      const state = minimal({ 'supported-token-transforms': [{ inputTokenType: 'USERNAME', outputTokenType: 'SAML2', extra: 1 }] });
      expect(refusal(() => fromPingAmInstanceState(state))).toMatchObject({ status: 400, code: 'pingam_key_unknown', message: expect.stringContaining('supported-token-transforms.0.extra') });
    });

    it.each([
      ['oidc-id-token-config', 'oidc-token-lifetime-seconds', 'ten minutes'],
      ['oidc-id-token-config', 'oidc-audience', 'not-a-list'],
      ['oidc-id-token-config', 'oidc-claim-map', { email: 1 }],
      ['saml2-config', 'saml2-sign-assertion', 'yes'],
      ['saml2-config', 'issuer-name', 42],
      ['deployment-config', 'deployment-tls-offload-engine-hosts', '10.0.0.6'],
    ] as Array<[Section, string, unknown]>)('a value of the wrong type: %s.%s = %j', (section, key, value) => {
      expect(refusal(() => fromPingAmInstanceState(withKey(section, key, value)))).toMatchObject({
        status: 400,
        code: 'pingam_value_invalid',
        message: expect.stringContaining(`${section}.${key}`),
      });
    });

    it.each([
      ['instance_state that is not an object', []],
      ['a section that is not an object', minimal({ 'saml2-config': 'x' })],
      ['supported-token-transforms that is not an array', minimal({ 'supported-token-transforms': {} })],
    ])('%s', (_, state) => {
      expect(refusal(() => fromPingAmInstanceState(state))).toMatchObject({ status: 400, code: 'pingam_value_invalid' });
    });

    it.each([
      ['deployment-url-element', { 'deployment-realm': '/' }],
      ['deployment-realm', { 'deployment-url-element': 'x' }],
    ])('a missing %s', (key, deployment) => {
      const state = { 'deployment-config': deployment, 'supported-token-transforms': [] };
      expect(refusal(() => fromPingAmInstanceState(state))).toMatchObject({ status: 400, code: 'pingam_key_missing', message: expect.stringContaining(key) });
    });
  });
});

describe('realm file instance -> PingAM instance_state', () => {
  it.each(MAPPED)('%s.%s comes back as PingAM writes it', (section, key, value) => {
    const { realm, name, settings } = fromPingAmInstanceState(withKey(section, key, value));
    const state: Json = toPingAmInstanceState(realm, name, settings);
    expect(section === 'instance_state' ? state[key] : state[section][key]).toEqual(value);
  });

  it('names the instance and lists its transforms', () => {
    const state = toPingAmInstanceState('/eu', 'partners', { supported_token_transforms: [{ from: 'USERNAME', to: 'SAML2' }], oauth_clients: [] });
    expect(state).toEqual({
      'deployment-config': { 'deployment-url-element': 'partners', 'deployment-realm': '/eu' },
      'supported-token-transforms': [{ inputTokenType: 'USERNAME', outputTokenType: 'SAML2', invalidateInterimOpenAMSession: false }],
    });
  });
});
