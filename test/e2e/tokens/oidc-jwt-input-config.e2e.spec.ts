/** Load-time refusals of an `oidc_validation:` block (input types OPENIDCONNECT and JWT). */
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRealms } from '../../../src/realms/realm-loader';
import { builtinTokenTypes } from '../../../src/token-types/builtin-token-types';
import { TokenTypeRegistry } from '../../../src/transform/token-type-registry';
import { configErrorOf, expectConfigProblem } from '../../support/config-errors';
import { writeConfigDir } from '../../support/test-server';

const IDP = 'https://idp.test';
const P = 'instances.x.oidc_validation';

describe('oidc_validation at load', () => {
  const registry = new TokenTypeRegistry([builtinTokenTypes()]);
  const roots: string[] = [];
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sts-jwt-cfg-'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(work, 'rsa.pem'), rsa.publicKey.export({ format: 'pem', type: 'spki' }));
    writeFileSync(join(work, 'private.pem'), rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(work, 'secret-jwks.json'), JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 's' }] }));
  });
  afterAll(() => {
    for (const root of [...roots, work]) rmSync(root, { recursive: true, force: true });
  });

  async function load(validation: unknown) {
    const dir = await writeConfigDir({
      root: {
        realm: '/',
        keys: [{ kid: 'ec-1', use: 'sig', generate: { type: 'ec', curve: 'P-256' } }],
        instances: {
          x: {
            supported_token_transforms: [{ from: 'OPENIDCONNECT', to: 'JWT' }],
            access_token: { issuer: 'https://sts.test', audience: ['api'], client_id: 'app', signature_algorithm: 'ES256', signing_key: 'ec-1' },
            ...(validation === undefined ? {} : { oidc_validation: validation }),
          },
        },
      },
    });
    roots.push(dir.root);
    return loadRealms({ configDir: dir.configDir, dataDir: dir.dataDir, env: {}, registry });
  }
  const issuer = (extra: Record<string, unknown>) => ({ trusted_issuers: [{ issuer: IDP, algorithms: ['RS256'], audiences: ['sts'], ...extra }] });

  it('a missing block', async () => {
    expectConfigProblem(await configErrorOf(load(undefined)), P, /missing/);
  });
  it('none in algorithms, or HS256 from a file or URL', async () => {
    const none = await configErrorOf(load(issuer({ public_key_file: join(work, 'rsa.pem'), algorithms: ['none'] })));
    expectConfigProblem(none, `${P}.trusted_issuers[0].algorithms`, /no none/);
    for (const source of [{ public_key_file: join(work, 'rsa.pem') }, { jwks_file: join(work, 'secret-jwks.json') }, { jwks_url: 'https://idp.test/jwks' }]) {
      const error = await configErrorOf(load(issuer({ ...source, algorithms: ['HS256'] })));
      expectConfigProblem(error, `${P}.trusted_issuers[0].algorithms`, /HS256 needs realm_key: a shared secret is never trusted from a file or URL/);
    }
  });
  it('realm_key: a kid the realm lacks, a key that does not fit the algorithm, and beside another source', async () => {
    expectConfigProblem(await configErrorOf(load(issuer({ realm_key: 'nope', algorithms: ['ES256'] }))), `${P}.trusted_issuers[0].realm_key`, /"nope" names no key of this realm/);
    expectConfigProblem(await configErrorOf(load(issuer({ realm_key: 'ec-1', algorithms: ['RS256'] }))), `${P}.trusted_issuers[0].algorithms`, /RS256 needs an RSA key/);
    expectConfigProblem(await configErrorOf(load(issuer({ realm_key: 'ec-1', algorithms: ['HS256'] }))), `${P}.trusted_issuers[0].algorithms`, /HS256 needs an oct key/);
    const two = await configErrorOf(load(issuer({ realm_key: 'ec-1', public_key_file: join(work, 'rsa.pem'), algorithms: ['ES256'] })));
    expectConfigProblem(two, `${P}.trusted_issuers[0]`, /has public_key_file, realm_key/);
  });
  it('loads a realm_key issuer (the realm trusting tokens it signed itself)', async () => {
    await expect(load(issuer({ realm_key: 'ec-1', algorithms: ['ES256'] }))).resolves.toBeDefined();
  });
  it('no key source, two key sources, an http jwks_url to another host', async () => {
    expectConfigProblem(await configErrorOf(load(issuer({}))), `${P}.trusted_issuers[0]`, /exactly one of .* \(has none\)/);
    const two = await configErrorOf(load(issuer({ public_key_file: join(work, 'rsa.pem'), jwks_url: 'https://idp.test/jwks' })));
    expectConfigProblem(two, `${P}.trusted_issuers[0]`, /has public_key_file, jwks_url|has jwks_url, public_key_file/);
    expectConfigProblem(await configErrorOf(load(issuer({ jwks_url: 'http://idp.test/jwks' }))), `${P}.trusted_issuers[0].jwks_url`, /must use https/);
  });
  it('a missing file, a private key, a shared secret in a JWKS, a key that does not fit the algorithms, an empty audience list', async () => {
    expectConfigProblem(await configErrorOf(load(issuer({ public_key_file: 'nope.pem' }))), `${P}.trusted_issuers[0].public_key_file`, /nope\.pem: file not found/);
    expectConfigProblem(await configErrorOf(load(issuer({ public_key_file: join(work, 'private.pem') }))), `${P}.trusted_issuers[0].public_key_file`, /private key/);
    expectConfigProblem(await configErrorOf(load(issuer({ jwks_file: join(work, 'secret-jwks.json') }))), `${P}.trusted_issuers[0].jwks_file`, /shared secret/);
    expectConfigProblem(await configErrorOf(load(issuer({ public_key_file: join(work, 'rsa.pem'), algorithms: ['ES256'] }))), `${P}.trusted_issuers[0].public_key_file`, /ES256 needs an EC key/);
    expectConfigProblem(await configErrorOf(load(issuer({ public_key_file: join(work, 'rsa.pem'), audiences: [] }))), `${P}.trusted_issuers[0].audiences`, /empty/);
  });
  it('loads a valid block', async () => {
    await expect(load(issuer({ public_key_file: join(work, 'rsa.pem') }))).resolves.toBeDefined();
  });
});
