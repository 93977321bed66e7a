/**
 * `rest-sts generate-key --pkcs11 LIB ...`: a key pair made inside a PKCS#11 token (never
 * extractable, allowed only to sign) and its self-signed certificate, signed by the token and
 * stored in it beside the key, or written to a file.
 */
import { randomBytes, type X509Certificate } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { pkcs11ErrorName } from '../keys/pkcs11/pkcs11-library';
import { generateCertifiedKeyPair, storeCertificate, type TokenKeySpec } from '../keys/pkcs11/token-key-generation';
import { findObjects } from '../keys/pkcs11/token-objects';
import { integerOption, required, UsageError, writeNewFile, type CommandLine } from './cli-support';
import { openToken } from './pkcs11-token-options';
import { distinguishedName } from './self-signed-certificate';

/** A network HSM may take its time over a first signature; the command waits that long. */
const CLI_CALL_TIMEOUT_MS = 30_000;

export const TOKEN_KEY_HELP = `In a PKCS#11 token (--pkcs11 LIB): the key pair is made by the token, private, sensitive and
never extractable, allowed only to sign, with a self-signed certificate the token signs:
  npx rest-sts generate-key --pkcs11 /usr/lib/softhsm/libsofthsm2.so --token-label sts \\
      --pin-env STS_HSM_PIN --label ec-2 --type ec --curve P-256 --subject "CN=sts.example.com"
  --label L        CKA_LABEL of the new key, public key and certificate (must be new in the token)
  --id HEX         their CKA_ID (default: 8 random bytes)
  --type           rsa (--size, default 2048), ec (--curve P-256|P-384|P-521) or okp (Ed25519)
  --subject DN     the certificate's subject and issuer (default CN=<label>)
  --days N         its validity, 1..36500 days (default 365)
  --ca             a CA certificate (CA:TRUE, keyCertSign), for x509_issuance.ca_key
  --cert-out FILE  write the certificate to FILE (certificate_file) instead of storing it in the token
  --slot N, --pin-file FILE   instead of --token-label, --pin-env`;

export async function generateTokenKey(values: CommandLine['values']): Promise<void> {
  const label = required(values.label, '--label');
  const spec = tokenKeySpec(values.type, values.size, values.curve);
  const id = values.id === undefined ? randomBytes(8) : hexId(values.id);
  const days = integerOption(values.days, '--days', 365, 1, 36500);
  const name = distinguishedName(values.subject ?? `CN=${label}`);
  const pool = await openToken(values);
  const api = pool.api;
  const session = api.C_OpenSession(pool.connect().slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    for (const template of [[{ type: pkcs11.CKA_LABEL, value: label }], [{ type: pkcs11.CKA_ID, value: id }]]) {
      if (findObjects(api, session, template).length > 0) throw new Error(`${pool.name} already holds objects with ${template[0]!.type === pkcs11.CKA_LABEL ? `label "${label}"` : `id ${id.toString('hex')}`}; refusing to add another`);
    }
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
    let certificate: X509Certificate;
    try {
      ({ certificate } = await generateCertifiedKeyPair(pool, session, spec, { label, id }, { name, notBefore, notAfter, ca: values.ca !== undefined }, CLI_CALL_TIMEOUT_MS));
    } catch (error) {
      throw new Error(`${pool.name} could not generate the key pair: ${pkcs11ErrorName(error)}`);
    }
    const pem = certificate.toString();
    if (values['cert-out'] !== undefined) {
      await writeNewFile(values['cert-out'], pem);
    } else {
      storeCertificate(api, session, certificate, { label, id });
    }
    const where = values['cert-out'] ?? `${pool.name}`;
    process.stdout.write(`key_label: ${label}\nkey_id: ${id.toString('hex')}\n`);
    process.stderr.write(`generated a ${describe(spec)} key pair in ${pool.name} (not extractable); its certificate for ${name.toString()}, valid until ${notAfter.toISOString()}, is in ${where}\n`);
  } finally {
    try {
      api.C_CloseSession(session);
    } finally {
      pool.close();
    }
  }
}

export const TOKEN_KEY_OPTIONS = {
  label: { type: 'string' },
  id: { type: 'string' },
  subject: { type: 'string' },
  days: { type: 'string' },
  ca: { type: 'boolean' },
  'cert-out': { type: 'string' },
} as const;

function tokenKeySpec(type: string | undefined, size: string | undefined, curve: string | undefined): TokenKeySpec {
  switch (required(type, '--type')) {
    case 'rsa':
      if (curve !== undefined) throw new UsageError('--curve does not apply to rsa keys; use --size');
      return { type: 'rsa', size: integerOption(size, '--size', 2048, 2048, 16384) };
    case 'ec': {
      if (size !== undefined) throw new UsageError('--size does not apply to ec keys; use --curve');
      const name = curve ?? 'P-256';
      if (name !== 'P-256' && name !== 'P-384' && name !== 'P-521') throw new UsageError('--curve for ec keys is one of P-256, P-384, P-521');
      return { type: 'ec', curve: name };
    }
    case 'okp':
      if ((curve ?? 'Ed25519') !== 'Ed25519') throw new UsageError('--curve for okp keys in a token is Ed25519');
      return { type: 'okp', curve: 'Ed25519' };
    default:
      throw new UsageError(`--type for a key in a token is rsa, ec or okp`);
  }
}

function hexId(value: string): Buffer {
  if (!/^(?:[0-9A-Fa-f]{2}){1,64}$/.test(value)) throw new UsageError('--id is hex digits, two per byte (e.g. 01 or a1b2)');
  return Buffer.from(value, 'hex');
}

const describe = (spec: TokenKeySpec): string => (spec.type === 'rsa' ? `RSA-${spec.size}` : spec.type === 'ec' ? `EC ${spec.curve}` : 'Ed25519');
