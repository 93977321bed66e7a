/**
 * A throw-away PKI for the X509 input tests, made by openssl alone (never by the code under
 * test): a root CA, an intermediate CA run with `openssl ca` (so it can revoke and publish CRLs),
 * a TLS server certificate for 127.0.0.1 and client certificates good and bad.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificate, pemBlocks, type ParsedCertificate } from '../../src/token-types/x509/parsed-certificate';
import { opensslOk, tempPath } from './openssl';

export interface ClientCredentials {
  readonly keyFile: string;
  /** The leaf alone. */
  readonly certFile: string;
  /** The leaf followed by the intermediate CA (what a client sends to present its chain). */
  readonly chainFile: string;
  readonly pem: string;
  /** DER of the leaf. */
  readonly der: Buffer;
}

export interface TestPki {
  readonly dir: string;
  /** Root CA certificate (the trust anchor). */
  readonly rootFile: string;
  readonly intermediateFile: string;
  readonly serverKeyFile: string;
  readonly serverCertFile: string;
  /** CRL of the intermediate CA listing `revoked`; nextUpdate two days ahead. */
  readonly crlFile: string;
  /** The same CA's CRL whose nextUpdate is in 2020. */
  readonly expiredCrlFile: string;
  /** A root CA nobody trusts. */
  readonly otherRootFile: string;
  readonly good: ClientCredentials;
  readonly noSan: ClientCredentials;
  readonly expired: ClientCredentials;
  readonly notYetValid: ClientCredentials;
  readonly otherCa: ClientCredentials;
  readonly revoked: ClientCredentials;
  readonly serverAuthOnly: ClientCredentials;
  readonly keyEnciphermentOnly: ClientCredentials;
  readonly rootKeyFile: string;
  readonly intermediateKeyFile: string;
  /**
   * A new certificate signed by `issuer` with `openssl x509 -req` (valid from now for `days`);
   * `extensions` are openssl config lines, e.g. clientExtensions(...).
   */
  sign(issuer: { certFile: string; keyFile: string }, name: string, subject: string, extensions: string, days?: number): ClientCredentials;
}

/** Extension lines of a TLS client certificate. */
export const clientExtensions = (san: string | undefined, eku = 'clientAuth', ku = 'critical, digitalSignature'): string =>
  ['basicConstraints = critical, CA:FALSE', `keyUsage = ${ku}`, `extendedKeyUsage = ${eku}`, ...(san ? [`subjectAltName = ${san}`] : [])].join('\n');

/** `openssl ca` wants YYYYMMDDHHMMSSZ. */
function asn1Time(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function makeTestPki(): TestPki {
  const dir = tempPath('-pki');
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  const file = (name: string) => join(dir, name);
  const newKey = (name: string) => {
    opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name)]);
    return file(name);
  };
  const csr = (key: string, subject: string, name: string) => {
    opensslOk(['req', '-new', '-key', key, '-subj', subject, '-out', file(name)]);
    return file(name);
  };
  const extFile = (name: string, body: string) => {
    writeFileSync(file(name), `[ext]\n${body}\n`);
    return file(name);
  };

  // Root CA (self-signed) and a second, untrusted root.
  const selfSignedCa = (name: string, subject: string) => {
    const key = newKey(`${name}.key.pem`);
    opensslOk([
      'req', '-x509', '-new', '-key', key, '-subj', subject, '-days', '30', '-out', file(`${name}.crt.pem`),
      '-addext', 'basicConstraints = critical, CA:TRUE', '-addext', 'keyUsage = critical, keyCertSign, cRLSign',
    ]);
    return { key, cert: file(`${name}.crt.pem`) };
  };
  const root = selfSignedCa('root', '/O=STS Test/CN=STS Test Root CA');
  const other = selfSignedCa('other-root', '/O=Elsewhere/CN=Untrusted Root CA');

  const signedBy = (ca: { key: string; cert: string }, name: string, subject: string, ext: string, days = 30) => {
    const key = newKey(`${name}.key.pem`);
    opensslOk([
      'x509', '-req', '-in', csr(key, subject, `${name}.csr`), '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
      '-days', String(days), '-extfile', extFile(`${name}.ext`, ext), '-extensions', 'ext', '-out', file(`${name}.crt.pem`),
    ]);
    return { key, cert: file(`${name}.crt.pem`) };
  };
  const intermediate = signedBy(root, 'intermediate', '/O=STS Test/CN=STS Test Issuing CA', [
    'basicConstraints = critical, CA:TRUE, pathlen:0',
    'keyUsage = critical, keyCertSign, cRLSign',
  ].join('\n'));
  const server = signedBy(root, 'server', '/CN=127.0.0.1', [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1',
  ].join('\n'));

  // The intermediate runs as an `openssl ca` so it can revoke and publish CRLs.
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), '1000\n');
  writeFileSync(file('crlnumber'), '01\n');
  const caConfig = file('ca.cnf');
  writeFileSync(
    caConfig,
    [
      '[ ca ]', 'default_ca = issuing',
      '[ issuing ]',
      `database = ${file('index.txt')}`, `new_certs_dir = ${join(dir, 'newcerts')}`, `serial = ${file('serial')}`,
      `crlnumber = ${file('crlnumber')}`, `certificate = ${intermediate.cert}`, `private_key = ${intermediate.key}`,
      'default_md = sha256', 'default_days = 2', 'default_crl_days = 2', 'policy = any_name', 'unique_subject = no',
      'copy_extensions = none', 'email_in_dn = no',
      '[ any_name ]', 'organizationName = optional', 'organizationalUnitName = optional', 'commonName = supplied',
      '',
    ].join('\n'),
  );
  const now = Date.now();
  const day = 86_400_000;
  const issue = (
    name: string,
    subject: string,
    ext: string,
    dates: { start: Date; end: Date } = { start: new Date(now - day), end: new Date(now + 2 * day) },
  ): ClientCredentials => {
    const key = newKey(`${name}.key.pem`);
    const certFile = file(`${name}.crt.pem`);
    opensslOk([
      'ca', '-batch', '-config', caConfig, '-notext', '-in', csr(key, subject, `${name}.csr`), '-out', certFile,
      '-startdate', asn1Time(dates.start), '-enddate', asn1Time(dates.end),
      '-extfile', extFile(`${name}.ext`, ext), '-extensions', 'ext',
    ]);
    return credentials(key, certFile, intermediate.cert, `${name}.chain.pem`);
  };
  const credentials = (keyFile: string, certFile: string, issuerFile: string | undefined, chainName: string): ClientCredentials => {
    const pem = readFileSync(certFile, 'utf8');
    const chainFile = file(chainName);
    writeFileSync(chainFile, pem + (issuerFile ? readFileSync(issuerFile, 'utf8') : ''));
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    return { keyFile, certFile, chainFile, pem, der };
  };

  const good = issue('good', '/O=STS Test/OU=People/CN=alice', clientExtensions('email:alice@example.com, DNS:alice.example.test'));
  const noSan = issue('no-san', '/O=STS Test/CN=bob', clientExtensions(undefined));
  const expired = issue('expired', '/CN=expired', clientExtensions('email:expired@example.com'), {
    start: new Date(now - 400 * day),
    end: new Date(now - 300 * day),
  });
  const notYetValid = issue('not-yet-valid', '/CN=not-yet-valid', clientExtensions('email:future@example.com'), {
    start: new Date(now + 300 * day),
    end: new Date(now + 400 * day),
  });
  const revoked = issue('revoked', '/CN=revoked', clientExtensions('email:revoked@example.com'));
  const serverAuthOnly = issue('server-auth-only', '/CN=server-auth-only', clientExtensions('email:eku@example.com', 'serverAuth'));
  const keyEnciphermentOnly = issue('key-encipherment-only', '/CN=key-encipherment-only', clientExtensions(undefined, 'clientAuth', 'keyEncipherment'));
  const otherLeaf = signedBy(other, 'other-ca-client', '/CN=mallory', clientExtensions('email:mallory@example.com'));
  const otherCa = credentials(otherLeaf.key, otherLeaf.cert, other.cert, 'other-ca-client.chain.pem');

  opensslOk(['ca', '-config', caConfig, '-revoke', revoked.certFile, '-crl_reason', 'keyCompromise']);
  const crlFile = file('issuing.crl.pem');
  opensslOk(['ca', '-config', caConfig, '-gencrl', '-out', crlFile]);
  const expiredCrlFile = file('issuing-expired.crl.pem');
  opensslOk([
    'ca', '-config', caConfig, '-gencrl', '-out', expiredCrlFile,
    '-crl_lastupdate', asn1Time(new Date(now - 400 * day)), '-crl_nextupdate', asn1Time(new Date(now - 300 * day)),
  ]);

  return {
    dir,
    rootFile: root.cert,
    intermediateFile: intermediate.cert,
    serverKeyFile: server.key,
    serverCertFile: server.cert,
    crlFile,
    expiredCrlFile,
    otherRootFile: other.cert,
    good,
    noSan,
    expired,
    notYetValid,
    otherCa,
    revoked,
    serverAuthOnly,
    keyEnciphermentOnly,
    rootKeyFile: root.key,
    intermediateKeyFile: intermediate.key,
    sign: (issuer, name, subject, extensions, days = 2) => {
      const signed = signedBy({ key: issuer.keyFile, cert: issuer.certFile }, name, subject, extensions, days);
      return credentials(signed.key, signed.cert, issuer.certFile, `${name}.chain.pem`);
    },
  };
}

/** The first certificate of a PEM file, read as input type X509 reads it. */
export function loadParsedCertificate(file: string): ParsedCertificate {
  return parseCertificate(pemBlocks(readFileSync(file, 'latin1'), 'CERTIFICATE')[0]);
}
