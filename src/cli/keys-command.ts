/** `rest-sts keys --pkcs11 LIB ...`: the keys in a PKCS#11 token, to pick the key_label or key_id of a realm key. */
import { listTokenKeys } from '../keys/pkcs11/token-key-listing';
import { Command, EXIT_OK, parseCommandLine, required } from './cli-support';
import { openToken, TOKEN_OPTIONS, TOKEN_OPTIONS_HELP } from './pkcs11-token-options';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'list the private keys in a PKCS#11 token (HSM)',
  help: `Usage: rest-sts keys --pkcs11 LIB --token-label L --pin-env VAR

Lists the private keys of the token, one a line: label, id (hex), type, whether the key may
sign, whether it can be exported (it should not), and whether the token holds its certificate.
Use the label or id as key_label or key_id of a pkcs11 key in a realm file.

  STS_HSM_PIN=... npx rest-sts keys --pkcs11 /usr/lib/softhsm/libsofthsm2.so --token-label sts --pin-env STS_HSM_PIN

Options:
${TOKEN_OPTIONS_HELP}
Exit codes: 0 listed, 1 bad option, library, token or PIN.`,

  async run(argv) {
    const { values } = parseCommandLine(argv, TOKEN_OPTIONS);
    required(values.pkcs11, '--pkcs11');
    const pool = await openToken(values);
    try {
      const keys = listTokenKeys(pool);
      for (const key of keys) {
        process.stdout.write(
          `label=${JSON.stringify(key.label)} id=${key.id || '-'} type=${JSON.stringify(key.type)} sign=${key.sign ? 'yes' : 'no'} extractable=${key.extractable ? 'yes' : 'no'} certificate=${key.certificate ? 'yes' : 'no'}\n`,
        );
      }
      if (keys.length === 0) process.stderr.write(`no private keys in ${pool.name}\n`);
    } finally {
      pool.close();
    }
    return EXIT_OK;
  },
};
