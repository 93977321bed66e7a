/**
 * `rest-sts self-signed-certificate`: a certificate for a signing key (`certificate_file`, which
 * adds x5c / x5t#S256 to the JWKS), built and signed by @peculiar/x509, never hand-made ASN.1.
 */
import { createPrivateKey, KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeAsymmetricKey } from '../keys/key-object-facts';
import { certificateAlgorithmsFor, selfSignedCertificatePem } from '../keys/self-signed-certificate';
import { x509 } from '../token-types/x509/x509-library';
import { Command, EXIT_OK, integerOption, parseCommandLine, required, writeNewFile } from './cli-support';

export const selfSignedCertificateCommand: Command = {
  name: 'self-signed-certificate',
  summary: 'issue a self-signed X.509 certificate (PEM) for an RSA, EC or Ed25519 key',
  help: `Usage: rest-sts self-signed-certificate --key KEY.pem --subject "CN=..." [--days N] [--out FILE]

Issues a self-signed end-entity certificate (basicConstraints CA:FALSE, keyUsage digitalSignature)
for the private key in KEY.pem (PKCS#8, PKCS#1 or SEC1; RSA >= 2048 bits, EC P-256/384/521 or
Ed25519), for certificate_file next to private_key_file in a realm file. Signed with
SHA-256 (RSA), the curve's hash (ECDSA) or Ed25519.

  npx rest-sts self-signed-certificate --key config/keys/rsa.key.pem --subject "CN=sts.example.com" --out config/keys/rsa.crt.pem

Options:
  --subject DN   RFC 4514 distinguished name, e.g. "CN=sts.example.com,O=Example"
  --days N       validity from now, 1..36500 days (default 365)
  --out FILE     write the certificate with mode 0600, never over an existing FILE (default: stdout)
Exit codes: 0 written, 1 bad option, unreadable or unsuitable key, FILE exists.`,

  async run(argv) {
    const { values } = parseCommandLine(argv, { key: { type: 'string' }, subject: { type: 'string' }, days: { type: 'string' }, out: { type: 'string' } });
    const keyFile = required(values.key, '--key');
    const subject = required(values.subject, '--subject');
    const days = integerOption(values.days, '--days', 365, 1, 36500);
    const privateKey = await readPrivateKey(keyFile);
    checkCertifiable(privateKey, keyFile);
    const name = distinguishedName(subject);
    const notBefore = new Date(Date.now() - 60_000); // a minute back, for verifiers whose clocks lag
    const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
    const pem = await selfSignedCertificatePem({ privateKey, name, notBefore, notAfter, keyUsage: x509.KeyUsageFlags.digitalSignature });
    if (values.out === undefined) process.stdout.write(pem);
    else {
      await writeNewFile(values.out, pem);
      process.stderr.write(`wrote a certificate for ${name.toString()} to ${values.out}, valid until ${notAfter.toISOString()}\n`);
    }
    return EXIT_OK;
  },
};

async function readPrivateKey(file: string): Promise<KeyObject> {
  let pem: Buffer;
  try {
    pem = await readFile(file);
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return createPrivateKey(pem);
  } catch {
    // No detail from OpenSSL here: it could echo part of the file.
    throw new Error(`${file} is not an unencrypted PKCS#8, PKCS#1 or SEC1 PEM private key`);
  }
}

/** The key can sign its own certificate, or an error naming what it is. */
function checkCertifiable(key: KeyObject, file: string): void {
  if (certificateAlgorithmsFor(key)) return;
  const facts = describeAsymmetricKey(key);
  if (facts?.family === 'RSA') throw new Error(`${file} is RSA of ${facts.modulusBits} bits; use at least 2048`);
  throw new Error(`${file} holds a ${facts?.curve ?? key.asymmetricKeyType} key, which cannot sign a certificate; use RSA, EC P-256/384/521 or Ed25519`);
}

/** The library parses anything; a name without one attribute (`not a dn`) parses to nothing. */
export function distinguishedName(subject: string): x509.Name {
  let name: x509.Name;
  try {
    name = new x509.Name(subject);
  } catch (error) {
    throw new Error(`--subject "${subject}" is not a distinguished name: ${(error as Error).message}`);
  }
  if (name.toJSON().length === 0) throw new Error(`--subject "${subject}" is not a distinguished name; use e.g. "CN=sts.example.com,O=Example"`);
  return name;
}
