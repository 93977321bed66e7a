/** `rest-sts hash-password`: a PHC scrypt hash for `password_hash`, the password read from stdin. */
import { DEFAULT_SCRYPT_COST, hashPassword } from '../identity/scrypt-password';
import { Command, EXIT_OK, integerOption, parseCommandLine, readStdin } from './cli-support';

// The loader refuses ln < 14 and anything needing more than 512 MiB (ln 18 with r=8 is the last below).
const MIN_LN = 14;
const MAX_LN = 18;

export const hashPasswordCommand: Command = {
  name: 'hash-password',
  summary: 'print the PHC scrypt hash of a password read from stdin',
  help: `Usage: rest-sts hash-password [--ln N]

Reads a password from standard input (never from the command line, where other users and the
shell history could see it), drops one trailing newline, and prints its PHC scrypt hash for
password_hash or client_secret_hash in a realm file.

  printf %s 'a long passphrase' | npx rest-sts hash-password

Options:
  --ln N   scrypt cost 2^N, ${MIN_LN}..${MAX_LN} (default ${DEFAULT_SCRYPT_COST.ln}, or $SCRYPT_LN)
Exit codes: 0 printed, 1 empty password or bad option.`,

  async run(argv) {
    const { values } = parseCommandLine(argv, { ln: { type: 'string' } });
    const ln = integerOption(values.ln ?? process.env.SCRYPT_LN, '--ln', DEFAULT_SCRYPT_COST.ln, MIN_LN, MAX_LN);
    if (process.stdin.isTTY) process.stderr.write('Password (then Enter and Ctrl-D): ');
    const password = (await readStdin()).replace(/\r?\n$/, '');
    if (password.length === 0) throw new Error('empty password on standard input');
    process.stdout.write(`${await hashPassword(password, { ...DEFAULT_SCRYPT_COST, ln })}\n`);
    return EXIT_OK;
  },
};
