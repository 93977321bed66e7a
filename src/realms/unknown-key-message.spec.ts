import 'reflect-metadata';
import { ServerConfigSchema } from '../server-config/server-config-schema';
import { parseRealmFile } from './realm-file-parser';
import { keyPlacements, schemaKeys } from './schema-keys';
import { validateSchema } from './schema-validation';
import { InstanceConfig, OidcConfig } from './schema/instance-config';
import { RealmConfig } from './schema/realm-config';

const instance = { supported_token_transforms: [{ from: 'USERNAME', to: 'OPENIDCONNECT' }] };

/** The problems of a realm file with this content. */
function problemsOf(content: object) {
  return parseRealmFile({ file: 'config/realms/root.yaml', path: '/abs/root.yaml', content }).problems.map(({ path, message }) => ({ path, message }));
}

describe('unknown keys: a near miss at the same level', () => {
  it('suggests the key within two edits, at any depth', () => {
    const oidc = { issuer: 'https://sts.test', audience: 'a', signature_algorithm: 'ES256', signing_kye: 'ec-1' };
    expect(problemsOf({ realm: '/', instances: { default: { ...instance, oidc } } })).toEqual([
      { path: 'instances.default.oidc.signing_kye', message: 'unknown key; did you mean `signing_key`?' },
      { path: 'instances.default.oidc.signing_key', message: 'signing_key must be a string' },
    ]);
    expect(problemsOf({ realm: '/', instances: {}, key: [] })).toEqual([{ path: 'key', message: 'unknown key; did you mean `keys`?' }]);
  });

  it('suggests in server.yaml too', () => {
    const { problems } = validateSchema(ServerConfigSchema, { token_store: { typ: 'redis' } }, 'config/server.yaml', '');
    expect(problems).toEqual([{ file: 'config/server.yaml', path: 'token_store.typ', message: 'unknown key; did you mean `type`?' }]);
  });
});

describe('unknown keys: a key that belongs elsewhere in the file', () => {
  it('names where an instance key belongs when it is written at the top level', () => {
    const oidc_validation = { trusted_issuers: [] };
    expect(problemsOf({ realm: '/', instances: {}, oidc_validation })).toEqual([
      { path: 'oidc_validation', message: 'unknown key at this level; `oidc_validation` belongs at instances.<name>.oidc_validation' },
    ]);
  });

  it('names a top-level key written inside an instance, and a nested key written too high', () => {
    expect(problemsOf({ realm: '/', instances: { default: { ...instance, keys: [] } } })).toEqual([
      { path: 'instances.default.keys', message: 'unknown key at this level; `keys` belongs at keys (the top level of the file)' },
    ]);
    expect(problemsOf({ realm: '/', instances: {}, keys: [{ kid: 'k', use: 'sig', size: 2048 }] })).toEqual([
      { path: 'keys[0].size', message: 'unknown key at this level; `size` belongs at keys[].generate.size' },
    ]);
  });

  it('lists at most three places, then how many more', () => {
    // issuer is also access_token.issuer and session.issuer: three places named, two counted.
    const [problem] = problemsOf({ realm: '/', instances: { default: { ...instance, issuer: 'https://sts.test' } } });
    expect(problem).toEqual({
      path: 'instances.default.issuer',
      message:
        'unknown key at this level; `issuer` belongs at instances.<name>.oidc.issuer, instances.<name>.saml2.issuer, ' +
        'instances.<name>.oidc_validation.trusted_issuers[].issuer and 2 more places',
    });
  });

  it('says only "unknown key" for a key that is nowhere, or that exists only to be refused', () => {
    expect(problemsOf({ realm: '/', instances: {}, colour: 'blue' })).toEqual([{ path: 'colour', message: 'unknown key' }]);
    // `password` is a refused key of a user (plaintext): never a place to send anyone.
    expect(problemsOf({ realm: '/', instances: { default: { ...instance, password: 'x' } } })).toEqual([
      { path: 'instances.default.password', message: 'unknown key' },
    ]);
  });
});

describe('schema keys come from the schema metadata', () => {
  it('lists the decorated keys of a class, inherited ones included', () => {
    expect(schemaKeys(OidcConfig).sort()).toEqual(
      ['audience', 'authorized_party', 'claim_map', 'encryption', 'issuer', 'signature_algorithm', 'signing_key', 'token_lifetime_seconds'],
    );
  });

  it('places every instance key under instances.<name>, and follows lists and nested schemas', () => {
    const placements = keyPlacements(RealmConfig);
    for (const key of schemaKeys(InstanceConfig)) expect(placements.get(key)).toContain(`instances.<name>.${key}`);
    expect(placements.get('trusted_issuers')).toEqual(['instances.<name>.oidc_validation.trusted_issuers']);
    expect(placements.get('password_hash')).toEqual(['identity_store.users[].password_hash']);
    expect(placements.get('every_days')).toEqual(['keys[].rotation.every_days']);
    expect(placements.get('content_encryption')).toEqual(
      expect.arrayContaining(['instances.<name>.oidc.encryption.content_encryption', 'instances.<name>.access_token.encryption.content_encryption']),
    );
  });
});
