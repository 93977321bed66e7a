/**
 * The token options of the PKCS#11 commands (`keys --pkcs11`, `generate-key --pkcs11`): the
 * library, the token by label or slot, and the PIN from an environment variable or a file,
 * never from the command line (where `ps` and shell history would show it).
 */
import { readFile } from 'node:fs/promises';
import { pkcs11ErrorName } from '../keys/pkcs11/pkcs11-library';
import { tokenPool } from '../keys/pkcs11/token-pools';
import { TokenOpenError, type TokenSessionPool } from '../keys/pkcs11/token-session-pool';
import { integerOption, UsageError, type CommandLine } from './cli-support';

export const TOKEN_OPTIONS = {
  pkcs11: { type: 'string' },
  'token-label': { type: 'string' },
  slot: { type: 'string' },
  'pin-env': { type: 'string' },
  'pin-file': { type: 'string' },
} as const;

export const TOKEN_OPTIONS_HELP = `  --pkcs11 LIB        the token's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
  --token-label L     the token, by label (or --slot N)
  --pin-env VAR       the user PIN, from this environment variable (or --pin-file FILE)`;

/** The token named on the command line, opened and logged in. */
export async function openToken(values: CommandLine['values']): Promise<TokenSessionPool> {
  const module = values.pkcs11!;
  const label = values['token-label'];
  if ((label === undefined) === (values.slot === undefined)) throw new UsageError('give one of --token-label or --slot');
  const location = label !== undefined ? { label } : { slot: integerOption(values.slot, '--slot', 0, 0, Number.MAX_SAFE_INTEGER) };
  let pool: TokenSessionPool;
  try {
    pool = tokenPool(module, location, await pinOf(values), 1);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new Error(`cannot load the PKCS#11 library ${module}: ${(error as Error).message}`);
  }
  try {
    pool.connect();
  } catch (error) {
    throw new Error(error instanceof TokenOpenError ? error.message : `cannot open the token: ${pkcs11ErrorName(error)}`);
  }
  return pool;
}

async function pinOf(values: CommandLine['values']): Promise<string> {
  const variable = values['pin-env'];
  const file = values['pin-file'];
  if ((variable === undefined) === (file === undefined)) throw new UsageError('give one of --pin-env VAR or --pin-file FILE (never the PIN itself)');
  if (variable !== undefined) {
    const pin = process.env[variable];
    if (!pin) throw new UsageError(`environment variable ${variable} is not set`);
    return pin;
  }
  let content: string;
  try {
    content = await readFile(file!, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const pin = content.replace(/\r?\n$/, '');
  if (pin === '') throw new Error(`${file} is empty`);
  return pin;
}
