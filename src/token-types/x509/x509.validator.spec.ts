import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isStsError } from '../../errors/sts-errors';
import type { StsInstanceContext, StsRealmContext, TokenValidatorParams } from '../../plugin-api/token-contract';
import type { InstanceSettings } from '../../plugin-api/settings';
import { X509ValidationConfig } from '../../realms/schema/x509-config';
import { makeTestPki, type TestPki } from '../../../test/support/client-certificate-pki';
import { InMemoryReplayGuard } from '../../../test/support/in-memory-replay-guard';
import { removeOpensslWorkDir, tempPath } from '../../../test/support/openssl';
import { X509TokenValidator } from './x509.validator';

let pki: TestPki;
let configDir: string;
beforeAll(() => {
  pki = makeTestPki();
  configDir = tempPath('-config');
  mkdirSync(configDir);
});
afterAll(() => removeOpensslWorkDir());

const validator = new X509TokenValidator();

function contexts(x509_validation: X509ValidationConfig | undefined): { realm: StsRealmContext; instance: StsInstanceContext } {
  const realm = { path: '/', configDir, settings: {}, identityStore: undefined, keys: { get: () => undefined } } as unknown as StsRealmContext;
  const instance = { name: 'x', path: '/x', settings: { x509_validation } as InstanceSettings };
  return { realm, instance };
}

function validationConfig(overrides: Partial<X509ValidationConfig> = {}): X509ValidationConfig {
  return Object.assign(new X509ValidationConfig(), { trust_anchors_file: 'anchors.pem', intermediates_file: 'int.pem', ...overrides });
}

function params(config: X509ValidationConfig, chain: Buffer[]): TokenValidatorParams {
  return {
    ...contexts(config),
    inputTokenType: 'X509',
    inputTokenState: { token_type: 'X509' },
    request: { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: chain },
    replayGuard: new InMemoryReplayGuard(),
  };
}

describe('X509TokenValidator', () => {
  it('names the missing x509_validation block', async () => {
    expect(await validator.checkConfiguration(contexts(undefined))).toEqual([
      { path: 'x509_validation', message: 'missing; X509 input needs an x509_validation section' },
    ]);
  });

  it('names an anchors path that is a directory', async () => {
    mkdirSync(join(configDir, 'a-directory'), { recursive: true });
    expect(await validator.checkConfiguration(contexts(validationConfig({ trust_anchors_file: 'a-directory', intermediates_file: undefined })))).toEqual([
      { path: 'x509_validation.trust_anchors_file', message: `a-directory: is a directory (relative to the configuration directory ${configDir})` },
    ]);
  });

  it('validates a client certificate into a principal and an x509 session', async () => {
    copyFileSync(pki.rootFile, join(configDir, 'anchors.pem'));
    copyFileSync(pki.intermediateFile, join(configDir, 'int.pem'));
    const config = validationConfig({ principal_from: 'san_email' });
    expect(await validator.checkConfiguration(contexts(config))).toEqual([]);
    const before = Date.now();
    const result = await validator.validateToken(params(config, [pki.good.der]));
    expect(result.principal).toBe('alice@example.com');
    expect(result.session?.authenticationMethods).toEqual(['x509']);
    expect(result.session?.authenticatedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(result.session?.attributes).toMatchObject({ subject_cn: 'alice', san_email: ['alice@example.com'], san_dns: ['alice.example.test'] });
  });

  it('reads the trust files at load, once per configuration object', async () => {
    copyFileSync(pki.rootFile, join(configDir, 'anchors.pem'));
    copyFileSync(pki.intermediateFile, join(configDir, 'int.pem'));
    const loaded = validationConfig();
    expect(await validator.checkConfiguration(contexts(loaded))).toEqual([]);
    // The file changes on disk: the loaded configuration keeps what it read; the next load sees the change.
    copyFileSync(pki.otherRootFile, join(configDir, 'anchors.pem'));
    const reloaded = validationConfig();
    expect(await validator.checkConfiguration(contexts(reloaded))).toEqual([]);
    expect((await validator.validateToken(params(loaded, [pki.good.der]))).principal).toBe('alice');
    let caught: unknown;
    try {
      await validator.validateToken(params(reloaded, [pki.good.der]));
    } catch (error) {
      caught = error;
    }
    expect(isStsError(caught) && caught.code).toBe('untrusted_certificate');
  });

  it('is a fault (not a client error) to validate with a configuration that was never checked', () => {
    let caught: unknown;
    try {
      validator.validateToken(params(validationConfig(), [pki.good.der]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(isStsError(caught)).toBe(false);
  });
});
