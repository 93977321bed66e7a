/**
 * A throw-away SoftHSM2 token store for tests: its own SOFTHSM2_CONF in a temporary directory,
 * tokens made with softhsm2-util and keys with pkcs11-tool (OpenSC), tools we did not write.
 * The PINs are random per run. `takeAway`/`bringBack` move the token files out of SoftHSM's
 * sight and back, as if the HSM went away and returned.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsm {
  readonly root: string;
  /** The SOFTHSM2_CONF file; also set in process.env while the store exists. */
  readonly conf: string;
  readonly label: string;
  readonly pin: string;
  /** pkcs11-tool on this token, logged in with the user PIN; [status, output]. */
  tool(args: string[]): [number, string];
  /** `pkcs11-tool --keypairgen`: e.g. keypair('EC:prime256v1', 'es256', '01'). */
  keypair(keyType: string, label: string, id: string, extra?: string[]): void;
  takeAway(): void;
  bringBack(): void;
  remove(): void;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): [number, string] {
  const result = spawnSync(command, args, { encoding: 'utf8', env });
  return [result.status ?? -1, `${result.stdout}${result.stderr}`];
}

/**
 * Sets a variable in the process's real environment. Jest gives each test file a copy of
 * process.env, which native code (SoftHSM reads SOFTHSM2_CONF with getenv) never sees; a worker
 * thread sharing the environment (SHARE_ENV) writes to the real one.
 */
async function setNativeEnv(name: string, value: string): Promise<void> {
  process.env[name] = value;
  const worker = new Worker(`process.env[${JSON.stringify(name)}] = ${JSON.stringify(value)};`, { eval: true, env: SHARE_ENV });
  await new Promise((resolve, reject) => worker.on('exit', resolve).on('error', reject));
}

/** A store with one initialised token; sets SOFTHSM2_CONF (the library reads it when initialised). */
export async function createSoftHsm(label = 'sts-test'): Promise<SoftHsm> {
  const root = mkdtempSync(join(tmpdir(), 'sts-softhsm-'));
  const tokens = join(root, 'tokens');
  const away = join(root, 'away');
  mkdirSync(tokens);
  mkdirSync(away);
  const conf = join(root, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  await setNativeEnv('SOFTHSM2_CONF', conf);
  const pin = randomBytes(6).toString('hex');
  const [status, output] = run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', randomBytes(6).toString('hex')], env);
  if (status !== 0) throw new Error(`softhsm2-util --init-token failed: ${output}`);
  const tool = (args: string[]): [number, string] => run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', pin, ...args], env);
  const move = (from: string, to: string) => {
    for (const entry of readdirSync(from)) renameSync(join(from, entry), join(to, entry));
  };
  return {
    root,
    conf,
    label,
    pin,
    tool,
    keypair(keyType, keyLabel, id, extra = []) {
      const [code, out] = tool(['--keypairgen', '--key-type', keyType, '--label', keyLabel, '--id', id, ...extra]);
      if (code !== 0) throw new Error(`pkcs11-tool --keypairgen ${keyType} failed: ${out}`);
    },
    takeAway: () => move(tokens, away),
    bringBack: () => move(away, tokens),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
