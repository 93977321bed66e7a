/**
 * `npm run -s hash-password`: kept for the README's existing instructions; the same code as
 * `rest-sts hash-password` (`printf %s 'secret' | npm run -s hash-password`).
 */
import { runCommand } from './cli-support';
import { hashPasswordCommand } from './hash-password-command';

void runCommand(hashPasswordCommand, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
