/**
 * Prints the PHC scrypt hash of a password read from standard input, for `password_hash` in a
 * realm file: `printf %s 'secret' | npm run -s hash-password`. The password never appears in argv.
 */
import { hashPassword, DEFAULT_SCRYPT_COST } from '../identity/scrypt-password';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  if (process.stdin.isTTY) process.stderr.write('Password (then Enter and Ctrl-D): ');
  const password = await readStdin();
  if (password.length === 0) throw new Error('empty password');
  const ln = process.env.SCRYPT_LN ? Number(process.env.SCRYPT_LN) : DEFAULT_SCRYPT_COST.ln;
  process.stdout.write(`${await hashPassword(password, { ...DEFAULT_SCRYPT_COST, ln })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`hash-password: ${(error as Error).message}\n`);
  process.exit(1);
});
