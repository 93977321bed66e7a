import { readFileSync } from 'node:fs';
import { clientExtensions, makeTestPki, loadParsedCertificate, type TestPki } from '../../../test/support/client-certificate-pki';
import { refusal } from '../../../test/support/sts-refusal';
import { opensslOk, removeOpensslWorkDir, tempPath } from '../../../test/support/openssl';
import { buildChain } from './certificate-chain';
import { checkRevocation, CrlLoadError, loadCrls, type LoadedCrl } from './certificate-revocation';
import type { ParsedCertificate } from './parsed-certificate';

const load = loadParsedCertificate;

let pki: TestPki;
let root: ParsedCertificate;
let intermediate: ParsedCertificate;
let crls: LoadedCrl[];
beforeAll(async () => {
  pki = makeTestPki();
  root = load(pki.rootFile);
  intermediate = load(pki.intermediateFile);
  crls = await loadCrls(readFileSync(pki.crlFile), 'ca.crl', [root, intermediate]);
});
afterAll(() => removeOpensslWorkDir());

const pathOf = (file: string, now = new Date()) => buildChain(load(file), [intermediate], [root], now);

describe('loadCrls', () => {
  it('ties a PEM CRL to the CA whose key signed it, with its revoked serials', () => {
    expect(crls).toHaveLength(1);
    expect(crls[0].issuer.fingerprint).toBe(intermediate.fingerprint);
    expect([...crls[0].revoked]).toEqual([load(pki.revoked.certFile).serialNumber]);
  });

  it('reads a DER CRL and a PEM bundle of several', async () => {
    const der = tempPath('.crl.der');
    opensslOk(['crl', '-in', pki.crlFile, '-outform', 'DER', '-out', der]);
    expect(await loadCrls(readFileSync(der), 'ca.crl.der', [root, intermediate])).toHaveLength(1);
    const bundle = Buffer.concat([readFileSync(pki.crlFile), readFileSync(pki.expiredCrlFile)]);
    expect((await loadCrls(bundle, 'bundle.pem', [intermediate])).map((crl) => crl.nextUpdate!.getTime() > Date.now())).toEqual([true, false]);
  });

  it('refuses a file that is no CRL, and a CRL no given CA signed', async () => {
    await expect(loadCrls(Buffer.from('nothing here'), 'x.crl', [root])).rejects.toThrow(new CrlLoadError('x.crl is not a PEM or DER certificate revocation list'));
    await expect(loadCrls(readFileSync(pki.rootFile), 'root.pem', [root])).rejects.toThrow(/root\.pem holds no "X509 CRL" PEM block/);
    await expect(loadCrls(readFileSync(pki.crlFile), 'ca.crl', [root, load(pki.otherRootFile)])).rejects.toThrow(
      /issuer "O=STS Test, CN=STS Test Issuing CA"\) is not signed by any certificate/,
    );
  });

  it('refuses a CRL whose signature does not verify under its issuer', async () => {
    const der = tempPath('.crl.der');
    opensslOk(['crl', '-in', pki.crlFile, '-outform', 'DER', '-out', der]);
    const tampered = readFileSync(der);
    tampered[tampered.length - 1] ^= 0x01; // the last byte of the signature value
    await expect(loadCrls(tampered, 'tampered.crl', [root, intermediate])).rejects.toThrow(/is not signed by any certificate/);
  });
});

describe('checkRevocation', () => {
  it('passes a certificate its issuer has not revoked', () => {
    expect(() => checkRevocation(pathOf(pki.good.certFile), crls, new Date())).not.toThrow();
  });

  it('refuses a revoked certificate', () => {
    expect(refusal(() => checkRevocation(pathOf(pki.revoked.certFile), crls, new Date()))).toMatchObject({ status: 401, code: 'certificate_revoked' });
  });

  it('refuses once the CRL is past its nextUpdate (60 s of skew)', () => {
    const nextUpdate = crls[0].nextUpdate!.getTime();
    const path = pathOf(pki.good.certFile);
    expect(() => checkRevocation(path, crls, new Date(nextUpdate + 59_000))).not.toThrow();
    expect(refusal(() => checkRevocation(path, crls, new Date(nextUpdate + 61_000)))).toMatchObject({ code: 'crl_expired' });
  });

  it('refuses a certificate whose issuer has no CRL in the file rather than pass it unchecked', () => {
    const rootIssued = pki.sign({ certFile: pki.rootFile, keyFile: pki.rootKeyFile }, 'root-issued', '/CN=root-issued', clientExtensions(undefined));
    const path = buildChain(load(rootIssued.certFile), [], [root], new Date());
    expect(refusal(() => checkRevocation(path, crls, new Date()))).toMatchObject({ code: 'certificate_revocation_unknown' });
  });
});
