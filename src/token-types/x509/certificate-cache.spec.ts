import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StsInstanceContext, StsRealmContext, TokenValidatorParams } from '../../plugin-api/token-contract';
import type { InstanceSettings } from '../../plugin-api/settings';
import { X509ValidationConfig } from '../../realms/schema/x509-config';
import { clientExtensions, makeTestPki, type TestPki } from '../../../test/support/client-certificate-pki';
import { InMemoryReplayGuard } from '../../../test/support/in-memory-replay-guard';
import { opensslOk, removeOpensslWorkDir, tempPath } from '../../../test/support/openssl';
import { refusal } from '../../../test/support/sts-refusal';
import { CertificateCache } from './certificate-cache';
import { presentedCertificate } from './client-certificate-source';
import { CertificateParseError } from './parsed-certificate';
import { x509 } from './x509-library';
import { X509TokenValidator } from './x509.validator';

let pki: TestPki;
let configDir: string;
beforeAll(() => {
  pki = makeTestPki();
  configDir = tempPath('-config');
  mkdirSync(configDir);
  copyFileSync(pki.rootFile, join(configDir, 'anchors.pem'));
  copyFileSync(pki.intermediateFile, join(configDir, 'int.pem'));
  copyFileSync(pki.crlFile, join(configDir, 'crl.pem'));
});
afterAll(() => removeOpensslWorkDir());
afterEach(() => jest.useRealTimers());

/** The DER with one byte changed: the last one, inside the signature, so it still parses. */
function oneByteOff(der: Buffer): Buffer {
  const changed = Buffer.from(der);
  changed[changed.length - 1] ^= 0x01;
  return changed;
}

describe('CertificateCache', () => {
  it('returns the same parsed certificate for the same DER, even in another buffer', () => {
    const cache = new CertificateCache();
    const first = cache.parse(pki.good.der);
    expect(cache.parse(Buffer.from(pki.good.der))).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('does not confuse DERs differing in one byte', () => {
    const cache = new CertificateCache();
    const original = cache.parse(pki.good.der);
    const changed = cache.parse(oneByteOff(pki.good.der));
    expect(changed).not.toBe(original);
    expect(changed.der.equals(oneByteOff(pki.good.der))).toBe(true);
    expect(changed.fingerprint).not.toBe(original.fingerprint);
    expect(cache.parse(pki.good.der)).toBe(original);
    expect(cache.size).toBe(2);
  });

  it('keeps its own copy of the DER: a caller reusing its buffer changes nothing cached', () => {
    const cache = new CertificateCache();
    const buffer = Buffer.from(pki.good.der);
    const parsed = cache.parse(buffer);
    buffer.fill(0);
    expect(parsed.der.equals(pki.good.der)).toBe(true);
    expect(cache.parse(pki.good.der)).toBe(parsed);
  });

  it('drops the least recently used certificate when full', () => {
    const cache = new CertificateCache(2);
    const good = cache.parse(pki.good.der);
    const noSan = cache.parse(pki.noSan.der);
    cache.parse(pki.good.der); // now noSan is the least recently used
    cache.parse(pki.revoked.der);
    expect(cache.size).toBe(2);
    expect(cache.parse(pki.good.der)).toBe(good);
    expect(cache.parse(pki.noSan.der)).not.toBe(noSan);
  });

  it('caches nothing that does not parse', () => {
    const cache = new CertificateCache();
    expect(() => cache.parse(Buffer.from('not a certificate'))).toThrow(CertificateParseError);
    expect(cache.size).toBe(0);
  });
});

describe('ParsedCertificate derived values', () => {
  it('reads each extension once', () => {
    const certificate = new CertificateCache().parse(pki.good.der);
    const getExtension = jest.spyOn(certificate.asn, 'getExtension');
    expect(certificate.keyUsage).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(certificate.keyUsage).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(certificate.pathLength).toBeUndefined();
    expect(certificate.pathLength).toBeUndefined();
    expect(certificate.subjectAltNames('email')).toEqual(['alice@example.com']);
    expect(certificate.subjectAltNames('dns')).toEqual(['alice.example.test']);
    expect(getExtension).toHaveBeenCalledTimes(3);
  });

  it('hands out SAN lists a caller may change without changing the next answer', () => {
    const certificate = new CertificateCache().parse(pki.good.der);
    certificate.subjectAltNames('email').push('mallory@example.com');
    expect(certificate.subjectAltNames('email')).toEqual(['alice@example.com']);
    expect(Object.isFrozen(certificate.extendedKeyUsage)).toBe(true);
  });
});

describe('X509 validation with cached certificates', () => {
  const validator = new X509TokenValidator();

  async function checkedConfig(overrides: Partial<X509ValidationConfig> = {}): Promise<X509ValidationConfig> {
    const config = Object.assign(new X509ValidationConfig(), {
      trust_anchors_file: 'anchors.pem',
      intermediates_file: 'int.pem',
      principal_from: 'san_email',
      ...overrides,
    });
    const realm = { path: '/', configDir, settings: {}, identityStore: undefined, keys: { get: () => undefined } } as unknown as StsRealmContext;
    expect(await validator.checkConfiguration({ realm, instance: instanceFor(config) })).toEqual([]);
    return config;
  }

  function instanceFor(config: X509ValidationConfig): StsInstanceContext {
    return { name: 'x', path: '/x', settings: { x509_validation: config } as InstanceSettings };
  }

  function params(config: X509ValidationConfig, der: Buffer): TokenValidatorParams {
    return {
      realm: {} as StsRealmContext,
      instance: instanceFor(config),
      inputTokenType: 'X509',
      inputTokenState: { token_type: 'X509' },
      request: { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [der] },
      replayGuard: new InMemoryReplayGuard(),
    };
  }

  it('parses a presented certificate once', async () => {
    const config = await checkedConfig();
    const request = params(config, pki.good.der).request;
    expect(presentedCertificate(request, config).leaf).toBe(presentedCertificate({ ...request, clientCertificateChain: [Buffer.from(pki.good.der)] }, config).leaf);
  });

  it('refuses a certificate one byte off an accepted one', async () => {
    const config = await checkedConfig();
    expect(validator.validateToken(params(config, pki.good.der)).principal).toBe('alice@example.com');
    expect(refusal(() => validator.validateToken(params(config, oneByteOff(pki.good.der))))).toMatchObject({ status: 401, code: 'untrusted_certificate' });
    expect(validator.validateToken(params(config, pki.good.der)).principal).toBe('alice@example.com');
  });

  it('refuses an expired certificate every time', async () => {
    const config = await checkedConfig();
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(refusal(() => validator.validateToken(params(config, pki.expired.der)))).toMatchObject({ status: 401, code: 'certificate_expired' });
    }
  });

  it('checks the validity period against the time of each request', async () => {
    const config = await checkedConfig();
    expect(validator.validateToken(params(config, pki.good.der)).principal).toBe('alice@example.com');
    jest.useFakeTimers({ now: Date.now() + 3 * 86_400_000 }); // the leaf is valid for two more days
    expect(refusal(() => validator.validateToken(params(config, pki.good.der)))).toMatchObject({ status: 401, code: 'certificate_expired' });
  });

  it('refuses a revoked certificate every time', async () => {
    const config = await checkedConfig({ crl_file: 'crl.pem' });
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(refusal(() => validator.validateToken(params(config, pki.revoked.der)))).toMatchObject({ status: 401, code: 'certificate_revoked' });
    }
  });

  it('refuses a previously accepted certificate once a reloaded configuration brings a CRL listing it', async () => {
    const issuing = { certFile: pki.intermediateFile, keyFile: pki.intermediateKeyFile };
    const later = pki.sign(issuing, 'revoked-later', '/CN=revoked-later', clientExtensions('email:later@example.com'));
    const before = await checkedConfig({ crl_file: 'crl.pem' });
    expect(validator.validateToken(params(before, later.der)).principal).toBe('later@example.com');

    const caConfig = join(pki.dir, 'ca.cnf');
    opensslOk(['ca', '-config', caConfig, '-revoke', later.certFile]);
    opensslOk(['ca', '-config', caConfig, '-gencrl', '-out', join(configDir, 'crl-new.pem')]);
    const reloaded = await checkedConfig({ crl_file: 'crl-new.pem' });
    expect(refusal(() => validator.validateToken(params(reloaded, later.der)))).toMatchObject({ status: 401, code: 'certificate_revoked' });
    // The old configuration still answers from its own CRL, as before the reload.
    expect(validator.validateToken(params(before, later.der)).principal).toBe('later@example.com');
  });
});
