/**
 * What every rest-sts subcommand shares: argv parsing with node:util parseArgs (no CLI framework),
 * usage errors, stdin, and files that must never be overwritten.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes, the same for every command (listed in `rest-sts --help`). */
export const EXIT_OK = 0;
/** Usage errors, unreadable input, an invalid configuration. */
export const EXIT_ERROR = 1;
/** verify-token: the token is not valid. */
export const EXIT_INVALID = 2;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** Resolves to the exit code; throws UsageError (or any Error) for a one-line message and exit 1. */
  run(argv: string[]): Promise<number>;
}

/** A mistake in the command line: printed as one line, with a pointer to --help. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLine {
  /** Every option of the commands takes a string (--help is handled before run). */
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly positionals: string[];
}

/** parseArgs with `--help` added and its errors turned into UsageErrors. */
export function parseCommandLine(argv: string[], options: Options, positionals = false): CommandLine {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
    return { values: parsed.values as CommandLine['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

export function required(value: string | undefined, option: string): string {
  if (value === undefined || value === '') throw new UsageError(`${option} is required`);
  return value;
}

/** A whole number within bounds, for --size, --days, --ln. */
export function integerOption(value: string | undefined, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) throw new UsageError(`${option} must be an integer from ${min} to ${max}`);
  return number;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a new file with mode 0600; `wx` makes an existing file an error instead of a silent overwrite. */
export async function writeNewFile(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`${path} already exists; refusing to overwrite it`);
    throw new Error(`cannot write ${path}: ${code ?? (error as Error).message}`);
  }
}

/** Runs a command the way the binary does: --help, one-line errors on stderr, the exit code. */
export async function runCommand(command: Command, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(command.help.trimEnd() + '\n');
    return EXIT_OK;
  }
  try {
    return await command.run(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof UsageError ? ` (see rest-sts ${command.name} --help)` : '';
    process.stderr.write(`rest-sts ${command.name}: ${message}${hint}\n`);
    return EXIT_ERROR;
  }
}
