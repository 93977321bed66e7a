import { clientExtensions, makeTestPki, loadParsedCertificate, type TestPki } from '../../../test/support/client-certificate-pki';
import { refusal } from '../../../test/support/sts-refusal';
import { removeOpensslWorkDir } from '../../../test/support/openssl';
import { buildChain, checkClientUsage } from './certificate-chain';
import type { ParsedCertificate } from './parsed-certificate';

const CA_EXTENSIONS = 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign';

const load = loadParsedCertificate;

let pki: TestPki;
let root: ParsedCertificate;
let intermediate: ParsedCertificate;
beforeAll(() => {
  pki = makeTestPki();
  root = load(pki.rootFile);
  intermediate = load(pki.intermediateFile);
});
afterAll(() => removeOpensslWorkDir());

describe('buildChain', () => {
  it('links leaf -> intermediate -> anchor', () => {
    const leaf = load(pki.good.certFile);
    expect(buildChain(leaf, [intermediate], [root], new Date()).map((c) => c.fingerprint)).toEqual(
      [leaf, intermediate, root].map((c) => c.fingerprint),
    );
  });

  it('refuses a leaf whose intermediate is missing, or whose anchor is not configured', () => {
    const leaf = load(pki.good.certFile);
    expect(refusal(() => buildChain(leaf, [], [root], new Date()))).toMatchObject({ status: 401, code: 'untrusted_certificate' });
    expect(refusal(() => buildChain(leaf, [intermediate], [load(pki.otherRootFile)], new Date()))).toMatchObject({
      code: 'untrusted_certificate',
    });
  });

  it('does not let a certificate claiming the right issuer name but signed by another key through', () => {
    // Same subject as the real intermediate, different key: checkIssued alone would match the names.
    const impostorCa = pki.sign({ certFile: pki.otherRootFile, keyFile: pki.otherRootFile.replace('.crt.pem', '.key.pem') }, 'impostor', '/O=STS Test/CN=STS Test Issuing CA', CA_EXTENSIONS);
    const impostorLeaf = pki.sign(impostorCa, 'impostor-leaf', '/CN=alice', clientExtensions('email:alice@example.com'));
    expect(refusal(() => buildChain(load(impostorLeaf.certFile), [load(impostorCa.certFile), intermediate], [root], new Date()))).toMatchObject({
      code: 'untrusted_certificate',
    });
  });

  it('does not use a certificate that is not a CA as an intermediate', () => {
    // No keyUsage, so only basicConstraints (CA:FALSE) says it must not issue certificates.
    // (Signed by the root, whose pathLen does not limit it, so CA:FALSE is the only obstacle.)
    const notCa = pki.sign({ certFile: pki.rootFile, keyFile: pki.rootKeyFile }, 'not-ca', '/CN=not-ca', 'basicConstraints = CA:FALSE');
    const under = pki.sign(notCa, 'under-not-ca', '/CN=under-not-ca', clientExtensions(undefined));
    expect(refusal(() => buildChain(load(under.certFile), [load(notCa.certFile)], [root], new Date()))).toMatchObject({
      code: 'untrusted_certificate',
    });
  });

  it('honours the pathLen of a CA above the leaf', () => {
    // The issuing CA has pathlen:0, so a CA under it may not issue client certificates.
    const subCa = pki.sign({ certFile: pki.intermediateFile, keyFile: pki.intermediateKeyFile }, 'sub-ca', '/CN=Sub CA', CA_EXTENSIONS);
    const leaf = pki.sign(subCa, 'sub-leaf', '/CN=deep', clientExtensions(undefined));
    const refused = refusal(() => buildChain(load(leaf.certFile), [load(subCa.certFile), intermediate], [root], new Date()));
    expect(refused).toMatchObject({ code: 'untrusted_certificate', message: expect.stringMatching(/allows 0 intermediate/) });
  });

  it('checks the validity of every certificate in the path, with 60 s of clock skew', () => {
    const leaf = load(pki.good.certFile);
    const end = leaf.notAfter.getTime();
    expect(buildChain(leaf, [intermediate], [root], new Date(end + 59_000))).toHaveLength(3);
    expect(refusal(() => buildChain(leaf, [intermediate], [root], new Date(end + 61_000)))).toMatchObject({
      code: 'certificate_expired',
      message: expect.stringMatching(/^The client certificate expired at /),
    });
    // The leaf starts a day before the intermediate: in between, the intermediate is the problem.
    const between = new Date(intermediate.notBefore.getTime() - 3_600_000);
    expect(refusal(() => buildChain(leaf, [intermediate], [root], between))).toMatchObject({
      code: 'certificate_not_yet_valid',
      message: expect.stringMatching(/CA certificate .*STS Test Issuing CA/),
    });
  });
});

describe('checkClientUsage', () => {
  it('accepts digitalSignature + clientAuth, and a certificate with neither extension', () => {
    expect(() => checkClientUsage(load(pki.good.certFile))).not.toThrow();
    const bare = pki.sign({ certFile: pki.intermediateFile, keyFile: pki.intermediateKeyFile }, 'bare', '/CN=bare', 'basicConstraints = CA:FALSE');
    expect(() => checkClientUsage(load(bare.certFile))).not.toThrow();
  });

  it('refuses a wrong keyUsage or extendedKeyUsage', () => {
    expect(refusal(() => checkClientUsage(load(pki.serverAuthOnly.certFile)))).toMatchObject({ status: 401, code: 'certificate_usage_invalid' });
    expect(refusal(() => checkClientUsage(load(pki.keyEnciphermentOnly.certFile)))).toMatchObject({ code: 'certificate_usage_invalid' });
  });

  it('refuses a CA certificate, even one with digitalSignature and clientAuth, and the trust anchor itself', () => {
    const caLeaf = pki.sign({ certFile: pki.rootFile, keyFile: pki.rootKeyFile }, 'ca-as-client', '/CN=ca-as-client', [
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, digitalSignature, keyCertSign',
      'extendedKeyUsage = clientAuth',
    ].join('\n'));
    expect(refusal(() => checkClientUsage(load(caLeaf.certFile)))).toMatchObject({ status: 401, code: 'certificate_is_ca' });
    expect(refusal(() => checkClientUsage(load(pki.rootFile)))).toMatchObject({ status: 401, code: 'certificate_is_ca' });
  });
});
