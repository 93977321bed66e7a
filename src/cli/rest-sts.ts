#!/usr/bin/env node
/** `rest-sts <command>`: the package's command-line tool; one file per command beside this one. */
import { checkConfigCommand } from './check-config';
import { Command, EXIT_ERROR, EXIT_OK, runCommand } from './cli-support';
import { generateKeyCommand } from './generate-key';
import { hashPasswordCommand } from './hash-password-command';
import { keysCommand } from './keys-command';
import { listInstancesCommand } from './list-instances';
import { selfSignedCertificateCommand } from './self-signed-certificate';
import { verifyTokenCommand } from './verify-token';

const COMMANDS: readonly Command[] = [
  hashPasswordCommand,
  generateKeyCommand,
  keysCommand,
  selfSignedCertificateCommand,
  checkConfigCommand,
  listInstancesCommand,
  verifyTokenCommand,
];

const HELP = `Usage: rest-sts <command> [options]     (rest-sts <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(25)} ${c.summary}`).join('\n')}

Exit codes: 0 success, 1 usage error, unreadable input or invalid configuration,
            2 verify-token: the token is invalid.
Errors are one line on stderr. No command prints a private key, except generate-key without --out.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? EXIT_ERROR : EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`rest-sts: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return EXIT_ERROR;
  }
  return runCommand(command, rest);
}

// exitCode rather than exit(): stdout is flushed first when it is a pipe.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
