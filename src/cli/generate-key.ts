/** `rest-sts generate-key`: a key for `private_key_file` (PKCS#8 PEM) or an HMAC secret (base64url). */
import { generateKeyPair, KeyObject, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Command, EXIT_OK, integerOption, parseCommandLine, required, UsageError, writeNewFile } from './cli-support';
import { generateTokenKey, TOKEN_KEY_HELP, TOKEN_KEY_OPTIONS } from './generate-token-key';
import { TOKEN_OPTIONS } from './pkcs11-token-options';

const generateKeyPairAsync = promisify(generateKeyPair);
const EC_CURVES = ['P-256', 'P-384', 'P-521'];
const OKP_CURVES = ['Ed25519', 'X25519'];

export const generateKeyCommand: Command = {
  name: 'generate-key',
  summary: 'generate an RSA, EC, OKP key (PKCS#8 PEM), an oct secret (base64url), or a key pair in a PKCS#11 token',
  help: `Usage: rest-sts generate-key --type rsa|ec|okp|oct [--size N] [--curve C] [--out FILE]
       rest-sts generate-key --pkcs11 LIB --token-label L --pin-env VAR --label L --type rsa|ec|okp [...]

Generates a key with node:crypto, the same kinds a realm's "generate:" creates:
  rsa   --size bits, at least 2048 (default 2048)
  ec    --curve P-256 (default), P-384 or P-521
  okp   --curve Ed25519 (default, signing) or X25519 (ECDH-ES encryption)
  oct   --size bits, a multiple of 8 from 128 (default 256); printed as base64url
Asymmetric keys are unencrypted PKCS#8 PEM, for private_key_file.

  npx rest-sts generate-key --type ec --curve P-384 --out config/keys/ec-2.key.pem

Options:
  --out FILE   write the key to FILE with mode 0600; an existing FILE is never overwritten.
               Without --out the key is printed on standard output.

${TOKEN_KEY_HELP}
Exit codes: 0 written, 1 bad option or FILE exists (or the token refused).`,

  async run(argv) {
    const { values } = parseCommandLine(argv, { type: { type: 'string' }, size: { type: 'string' }, curve: { type: 'string' }, out: { type: 'string' }, ...TOKEN_OPTIONS, ...TOKEN_KEY_OPTIONS });
    if (values.pkcs11 !== undefined) {
      if (values.out !== undefined) throw new UsageError('--out does not apply with --pkcs11: the private key stays in the token (see --cert-out)');
      await generateTokenKey(values);
      return EXIT_OK;
    }
    const tokenOnly = ['token-label', 'slot', 'pin-env', 'pin-file', 'label', 'id', 'subject', 'days', 'ca', 'cert-out'].find((option) => values[option] !== undefined);
    if (tokenOnly) throw new UsageError(`--${tokenOnly} applies only with --pkcs11`);
    const type = required(values.type, '--type');
    const serialized = serialize(await createKey(type, values.size, values.curve));
    if (values.out === undefined) {
      process.stdout.write(serialized);
    } else {
      await writeNewFile(values.out, serialized);
      process.stderr.write(`wrote the new ${type} key to ${values.out} (mode 0600)\n`);
    }
    return EXIT_OK;
  },
};

async function createKey(type: string, size: string | undefined, curve: string | undefined): Promise<KeyObject | Buffer> {
  // An option that does not apply is refused rather than ignored: it is probably a mistake.
  if (size !== undefined && (type === 'ec' || type === 'okp')) throw new UsageError(`--size does not apply to ${type} keys; use --curve`);
  if (curve !== undefined && (type === 'rsa' || type === 'oct')) throw new UsageError(`--curve does not apply to ${type} keys; use --size`);
  switch (type) {
    case 'rsa':
      return (await generateKeyPairAsync('rsa', { modulusLength: integerOption(size, '--size', 2048, 2048, 16384) })).privateKey;
    case 'ec': {
      const namedCurve = curve ?? 'P-256';
      if (!EC_CURVES.includes(namedCurve)) throw new UsageError(`--curve for ec keys is one of ${EC_CURVES.join(', ')}`);
      return (await generateKeyPairAsync('ec', { namedCurve })).privateKey;
    }
    case 'okp': {
      const name = curve ?? 'Ed25519';
      if (name === 'Ed25519') return (await generateKeyPairAsync('ed25519')).privateKey;
      if (name === 'X25519') return (await generateKeyPairAsync('x25519')).privateKey;
      throw new UsageError(`--curve for okp keys is one of ${OKP_CURVES.join(', ')}`);
    }
    case 'oct': {
      const bits = integerOption(size, '--size', 256, 128, 4096);
      if (bits % 8 !== 0) throw new UsageError('--size for oct keys is a multiple of 8 bits');
      return randomBytes(bits / 8);
    }
    default:
      throw new UsageError(`unknown key type "${type}"; use rsa, ec, okp or oct`);
  }
}

function serialize(key: KeyObject | Buffer): string {
  if (Buffer.isBuffer(key)) return `${key.toString('base64url')}\n`;
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}
