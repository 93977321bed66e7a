/**
 * The SoftHSM2 token of the `oidc-es256>oidc-es256-hsm` scenario: a throw-away token with an EC
 * P-256 key made by pkcs11-tool, and what the server needs to reach it. SoftHSM is software, so
 * the scenario shows the cost of going through PKCS#11 (sessions, a call on the thread pool), not
 * a hardware HSM's speed. Undefined where SoftHSM2 or OpenSC is not installed: the scenario is then skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const TOKEN = 'bench';
const PIN_ENV = 'STS_BENCH_HSM_PIN';

export interface BenchToken {
  /** SOFTHSM2_CONF and the PIN variable, for the server's environment. */
  readonly env: Record<string, string>;
  /** The realm key entry of the token's key. */
  readonly key: object;
}

export const NO_SOFTHSM = 'SoftHSM2 (softhsm2) and OpenSC (pkcs11-tool) are not installed';

export function benchToken(root: string, kid: string): BenchToken | undefined {
  const installed = existsSync(SOFTHSM_MODULE) && ['softhsm2-util', 'pkcs11-tool'].every((tool) => spawnSync(tool, ['--help']).error === undefined);
  if (!installed) return undefined;
  const dir = join(root, 'softhsm');
  mkdirSync(join(dir, 'tokens'), { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const pin = randomBytes(8).toString('hex');
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--pin', pin, '--so-pin', randomBytes(8).toString('hex')], { env, stdio: 'ignore' });
  execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', TOKEN, '--login', '--pin', pin, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', kid, '--id', '01'], { env, stdio: 'ignore' });
  return {
    env: { SOFTHSM2_CONF: conf, [PIN_ENV]: pin },
    key: { kid, use: 'sig', pkcs11: { module: SOFTHSM_MODULE, token_label: TOKEN, pin_env: PIN_ENV, key_label: kid } },
  };
}
