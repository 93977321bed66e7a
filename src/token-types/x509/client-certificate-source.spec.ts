import { readFileSync } from 'node:fs';
import type { StsRequestContext } from '../../plugin-api/token-contract';
import { X509ValidationConfig } from '../../realms/schema/x509-config';
import { makeTestPki, type TestPki } from '../../../test/support/client-certificate-pki';
import { removeOpensslWorkDir } from '../../../test/support/openssl';
import { normaliseIp } from '../../http/ip-address';
import { certificatesFromHeader, isTrustedProxy, presentedCertificate } from './client-certificate-source';
import { refusal as stsRefusal } from '../../../test/support/sts-refusal';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => removeOpensslWorkDir());

function config(overrides: Partial<X509ValidationConfig> = {}): X509ValidationConfig {
  return Object.assign(new X509ValidationConfig(), { trust_anchors_file: 'ca.pem', ...overrides });
}

function request(overrides: Partial<StsRequestContext> = {}): StsRequestContext {
  return { remoteAddress: '127.0.0.1', headers: {}, clientCertificateChain: [], ...overrides };
}

function refusal(work: () => unknown): { status: number; code: string } {
  const { status, code } = stsRefusal(work);
  return { status, code };
}

describe('normaliseIp / isTrustedProxy', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0::1', '2001:db8::1'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseIp(input)).toBe(expected);
  });

  it('is undefined for what is not an address', () => {
    expect(normaliseIp('localhost')).toBeUndefined();
    expect(normaliseIp('')).toBeUndefined();
  });

  it('matches one spelling of an address with another, and nothing else', () => {
    expect(isTrustedProxy('::ffff:10.0.0.5', ['10.0.0.5'])).toBe(true);
    expect(isTrustedProxy('10.0.0.5', ['::ffff:10.0.0.5'])).toBe(true);
    expect(isTrustedProxy('10.0.0.6', ['10.0.0.5', '::1'])).toBe(false);
    expect(isTrustedProxy('::1', ['127.0.0.1'])).toBe(false);
  });
});

describe('certificatesFromHeader', () => {
  it('reads URL-encoded PEM, PEM folded onto one line, and base64 DER', () => {
    expect(certificatesFromHeader(encodeURIComponent(pki.good.pem))).toEqual([pki.good.der]);
    expect(certificatesFromHeader(pki.good.pem.replace(/\n/g, ' '))).toEqual([pki.good.der]);
    expect(certificatesFromHeader(pki.good.der.toString('base64'))).toEqual([pki.good.der]);
  });

  it('reads a URL-encoded chain, leaf first', () => {
    const chain = certificatesFromHeader(encodeURIComponent(pki.good.pem + readFileSync(pki.intermediateFile, 'utf8')));
    expect(chain).toHaveLength(2);
    expect(chain[0]).toEqual(pki.good.der);
  });

  it.each([
    ['text that is not base64', 'hello, world!'],
    ['broken URL encoding', '%E0%A4%A'],
    ['a PEM block of another kind', encodeURIComponent('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')],
  ])('answers 400 invalid_client_certificate for %s', (_what, value) => {
    expect(refusal(() => certificatesFromHeader(value))).toEqual({ status: 400, code: 'invalid_client_certificate' });
  });
});

describe('presentedCertificate', () => {
  const proxied = config({ client_certificate_header: 'X-Client-Cert', trusted_proxies: ['10.0.0.1'] });

  it('takes the TLS certificate first, whatever the header says', () => {
    const presented = presentedCertificate(
      request({ clientCertificateChain: [pki.good.der], headers: { 'x-client-cert': encodeURIComponent(pki.otherCa.pem) }, remoteAddress: '10.0.0.1' }),
      proxied,
    );
    expect(presented).toMatchObject({ source: 'tls', chain: [] });
    expect(presented.leaf.der).toEqual(pki.good.der);
  });

  it('takes the header from a trusted proxy only', () => {
    const headers = { 'x-client-cert': encodeURIComponent(pki.good.pem) };
    expect(presentedCertificate(request({ headers, remoteAddress: '::ffff:10.0.0.1' }), proxied).source).toBe('header');
    expect(refusal(() => presentedCertificate(request({ headers, remoteAddress: '10.0.0.2' }), proxied))).toEqual({
      status: 401,
      code: 'untrusted_certificate_source',
    });
  });

  it('ignores a header the instance does not configure', () => {
    const headers = { 'x-client-cert': encodeURIComponent(pki.good.pem) };
    expect(refusal(() => presentedCertificate(request({ headers, remoteAddress: '10.0.0.1' }), config()))).toEqual({
      status: 401,
      code: 'client_certificate_required',
    });
  });

  it('refuses an unreadable TLS certificate with 400', () => {
    expect(refusal(() => presentedCertificate(request({ clientCertificateChain: [Buffer.from('junk')] }), proxied))).toMatchObject({
      status: 400,
      code: 'invalid_client_certificate',
    });
  });

  describe('a header that occurs more than once (a proxy that appends instead of replacing)', () => {
    const victim = () => encodeURIComponent(pki.good.pem);
    const own = () => encodeURIComponent(pki.noSan.pem);
    const repeated = { status: 400, code: 'client_certificate_header_repeated' };

    it.each<[string, () => Partial<StsRequestContext>]>([
      ['as an array', () => ({ headers: { 'x-client-cert': [victim(), own()] } })],
      ['joined by Node with ", "', () => ({ headers: { 'x-client-cert': `${victim()}, ${own()}` }, rawHeaders: ['X-Client-Cert', victim(), 'x-client-cert', own()] })],
      ['as base64 DER joined with ", "', () => ({ headers: { 'x-client-cert': `${pki.good.der.toString('base64')}, ${pki.noSan.der.toString('base64')}` } })],
      ['twice in the raw headers, one of them empty', () => ({ headers: { 'x-client-cert': victim() }, rawHeaders: ['X-Client-Cert', victim(), 'X-CLIENT-CERT', ''] })],
    ])('refuses it %s with 400 client_certificate_header_repeated', (_, given) => {
      const context = request({ remoteAddress: '10.0.0.1', ...given() });
      expect(refusal(() => presentedCertificate(context, proxied))).toEqual(repeated);
    });

    it('accepts it once, in any letter case', () => {
      const context = request({ headers: { 'x-client-cert': victim() }, rawHeaders: ['Host', 'sts', 'x-CLIENT-cert', victim()], remoteAddress: '10.0.0.1' });
      expect(presentedCertificate(context, proxied).leaf.der).toEqual(pki.good.der);
    });
  });

  describe('the chain form: the leaf, then only CA certificates of its chain', () => {
    it('accepts the leaf followed by its intermediate', () => {
      const headers = { 'x-client-cert': encodeURIComponent(pki.good.pem + readFileSync(pki.intermediateFile, 'utf8')) };
      expect(presentedCertificate(request({ headers, remoteAddress: '10.0.0.1' }), proxied).chain).toHaveLength(1);
    });

    it('refuses a second end-entity certificate after the leaf', () => {
      const headers = { 'x-client-cert': encodeURIComponent(pki.good.pem + pki.noSan.pem) };
      expect(refusal(() => presentedCertificate(request({ headers, remoteAddress: '10.0.0.1' }), proxied))).toEqual({
        status: 400,
        code: 'client_certificate_chain_invalid',
      });
    });

    it('refuses more than the leaf and five CA certificates', () => {
      const intermediate = readFileSync(pki.intermediateFile, 'utf8');
      expect(certificatesFromHeader(encodeURIComponent(pki.good.pem + intermediate.repeat(5)))).toHaveLength(6);
      expect(refusal(() => certificatesFromHeader(encodeURIComponent(pki.good.pem + intermediate.repeat(6))))).toEqual({
        status: 400,
        code: 'client_certificate_chain_invalid',
      });
    });
  });
});
