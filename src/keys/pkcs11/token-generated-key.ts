/**
 * Keys the server generates in a PKCS#11 token (`pkcs11` with `generate`): made on first start,
 * labelled with the kid (a rotating key's versions each have their own), private, sensitive,
 * never extractable, with a self-signed certificate the token signs, stored beside them.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as pkcs11 from 'pkcs11js';
import type { GenerateKeyConfig, KeyConfig, Pkcs11KeyConfig } from '../../realms/schema/key-config';
import { x509 } from '../../token-types/x509/x509-library';
import { KeyLoadError, type KeyLoadContext } from '../key-loader';
import { readStoredFile, storeNewFile } from '../stored-key-file';
import { openError, withLoadSession } from './pkcs11-key-loader';
import { pkcs11ErrorName } from './pkcs11-library';
import { generateCertifiedKeyPair, storeCertificate, type TokenKeyNames, type TokenKeySpec } from './token-key-generation';
import { findObjects, selectorTemplate, type KeySelector } from './token-objects';
import type { TokenSessionPool } from './token-session-pool';

/** How long a process waits for the key another process (a cluster worker) is generating in the token. */
const GENERATION_WAIT_MS = 15_000;
/** Certificates of keys generated in a token: as for generated key files (generated-certificate.ts). */
const CERTIFICATE_YEARS = 10;

/**
 * A key the server generates in the token on first start (and for each version of a rotating
 * key), labelled with its kid. Its CKA_ID is kept in `<dataDir>/keys/<kid>.pkcs11-id`; storing that
 * file first elects the one process (of a cluster) that generates the key, the others wait for it.
 */
export async function generatedInToken(pool: TokenSessionPool, spec: Pkcs11KeyConfig, config: KeyConfig, context: KeyLoadContext, callTimeoutMs: number): Promise<KeySelector> {
  const keySpec = tokenKeySpecOf(config.generate!);
  withLoadSession(pool, spec, () => undefined); // the token opens and takes the PIN before anything is stored
  const file = join(context.dataDir, 'keys', `${config.kid}.pkcs11-id`);
  const stored = await readStoredFile(file).catch((error: Error) => {
    throw new KeyLoadError('generate', `${file}: ${error.message}`);
  });
  if (stored === undefined) {
    const id = randomBytes(8);
    const won = await storeNewFile(file, `${id.toString('hex')}\n`).catch((error: Error) => {
      throw new KeyLoadError('generate', `cannot store ${file}: ${error.message}`);
    });
    if (won) {
      // A failed generation forgets the id, so that the next start tries again.
      await generateInToken(pool, spec, keySpec, { label: config.kid, id }, callTimeoutMs).catch(async (error: unknown) => {
        await rm(file, { force: true });
        throw error;
      });
      return { id };
    }
  }
  const text = stored ?? (await readStoredFile(file)) ?? '';
  if (!/^(?:[0-9a-f]{2})+\n?$/.test(text)) throw new KeyLoadError('generate', `${file} is damaged; delete it (and the key "${config.kid}" from the token) to generate a new one`);
  const id = Buffer.from(text.trim(), 'hex');
  await waitForKey(pool, spec, id, file);
  return { id };
}

async function generateInToken(pool: TokenSessionPool, spec: Pkcs11KeyConfig, keySpec: TokenKeySpec, names: TokenKeyNames, callTimeoutMs: number): Promise<void> {
  let session: pkcs11.Handle;
  try {
    session = pool.api.C_OpenSession(pool.connect().slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  } catch (error) {
    throw openError(error, spec);
  }
  try {
    const notBefore = new Date(Date.now() - 5 * 60_000);
    const notAfter = new Date(notBefore.getTime());
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERTIFICATE_YEARS);
    const { certificate } = await generateCertifiedKeyPair(pool, session, keySpec, names, { name: new x509.Name([{ CN: [names.label] }]), notBefore, notAfter, ca: false }, callTimeoutMs);
    storeCertificate(pool.api, session, certificate, names);
  } catch (error) {
    if (error instanceof KeyLoadError) throw error;
    throw new KeyLoadError('generate', `${pool.name} could not generate "${names.label}": ${pkcs11ErrorName(error)}`);
  } finally {
    try {
      pool.api.C_CloseSession(session);
    } catch {
      // The pool's own sessions keep the login.
    }
  }
}

/** Waits until the private key with `id` is in the token (another process generates it). */
async function waitForKey(pool: TokenSessionPool, spec: Pkcs11KeyConfig, id: Buffer, file: string): Promise<void> {
  const deadline = Date.now() + GENERATION_WAIT_MS;
  for (;;) {
    const found = withLoadSession(pool, spec, (session) => findObjects(pool.api, session, selectorTemplate(pkcs11.CKO_PRIVATE_KEY, { id })).length > 0);
    if (found) return;
    if (Date.now() > deadline) {
      throw new KeyLoadError('generate', `no private key with id ${id.toString('hex')} (named in ${file}) in ${pool.name}; delete ${file} to generate a new one`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function tokenKeySpecOf(generate: GenerateKeyConfig): TokenKeySpec {
  switch (generate.type) {
    case 'rsa':
      if ((generate.size ?? 2048) < 2048) throw new KeyLoadError('generate.size', 'RSA keys must have at least 2048 bits');
      return { type: 'rsa', size: generate.size ?? 2048 };
    case 'ec': {
      const curve = generate.curve ?? 'P-256';
      if (curve !== 'P-256' && curve !== 'P-384' && curve !== 'P-521') throw new KeyLoadError('generate.curve', 'EC keys use P-256, P-384 or P-521');
      return { type: 'ec', curve };
    }
    case 'okp':
      if ((generate.curve ?? 'Ed25519') !== 'Ed25519') throw new KeyLoadError('generate.curve', 'a key generated in a token signs: Ed25519, not X25519');
      return { type: 'okp', curve: 'Ed25519' };
    default:
      throw new KeyLoadError('generate.type', 'a key generated in a token is rsa, ec or okp (a token key signs; HMAC secrets stay out of it)');
  }
}
