/**
 * `rest-sts self-signed-certificate`: a certificate for a signing key (`certificate_file`, which
 * adds x5c / x5t#S256 to the JWKS), built and signed by @peculiar/x509, never hand-made ASN.1.
 */
import { createPrivateKey, createPublicKey, KeyObject, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeAsymmetricKey } from '../keys/key-object-facts';
import { x509, x509Crypto } from '../token-types/x509/x509-library';
import { Command, EXIT_OK, integerOption, parseCommandLine, required, writeNewFile } from './cli-support';

const EC_HASHES: Record<string, string> = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };

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
    const { importAlgorithm, signingAlgorithm } = algorithmsFor(privateKey, keyFile);
    const name = distinguishedName(subject);
    const keys = {
      privateKey: await x509Crypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), importAlgorithm, false, ['sign']),
      publicKey: await x509Crypto.subtle.importKey('spki', createPublicKey(privateKey).export({ type: 'spki', format: 'der' }), importAlgorithm, true, ['verify']),
    };
    const notBefore = new Date(Date.now() - 60_000); // a minute back, for verifiers whose clocks lag
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name,
      notBefore,
      notAfter: new Date(notBefore.getTime() + days * 86_400_000),
      signingAlgorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    }, x509Crypto);
    const pem = `${certificate.toString('pem')}\n`;
    if (values.out === undefined) process.stdout.write(pem);
    else {
      await writeNewFile(values.out, pem);
      process.stderr.write(`wrote a certificate for ${certificate.subject} to ${values.out}, valid until ${certificate.notAfter.toISOString()}\n`);
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

type WebCryptoAlgorithm = { name: string; hash?: string; namedCurve?: string };

function algorithmsFor(key: KeyObject, file: string): { importAlgorithm: WebCryptoAlgorithm; signingAlgorithm: WebCryptoAlgorithm } {
  const facts = describeAsymmetricKey(key);
  if (facts?.family === 'RSA') {
    if ((facts.modulusBits ?? 0) < 2048) throw new Error(`${file} is RSA of ${facts.modulusBits} bits; use at least 2048`);
    const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importAlgorithm: rsa, signingAlgorithm: rsa };
  }
  if (facts?.family === 'EC' && facts.curve && EC_HASHES[facts.curve]) {
    return { importAlgorithm: { name: 'ECDSA', namedCurve: facts.curve }, signingAlgorithm: { name: 'ECDSA', hash: EC_HASHES[facts.curve] } };
  }
  if (facts?.curve === 'Ed25519') return { importAlgorithm: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
  throw new Error(`${file} holds a ${facts?.curve ?? key.asymmetricKeyType} key, which cannot sign a certificate; use RSA, EC P-256/384/521 or Ed25519`);
}

/** The library parses anything; a name without one attribute (`not a dn`) parses to nothing. */
function distinguishedName(subject: string): x509.Name {
  let name: x509.Name;
  try {
    name = new x509.Name(subject);
  } catch (error) {
    throw new Error(`--subject "${subject}" is not a distinguished name: ${(error as Error).message}`);
  }
  if (name.toJSON().length === 0) throw new Error(`--subject "${subject}" is not a distinguished name; use e.g. "CN=sts.example.com,O=Example"`);
  return name;
}

/** 16 random bytes, first bit clear: a positive serial of at most 20 octets (RFC 5280 4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
