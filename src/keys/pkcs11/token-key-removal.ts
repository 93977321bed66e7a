/**
 * Deletes a version of a rotating key generated in a token once no token it signed can still be
 * verified: its private key, public key and certificate (all labelled with the version's kid),
 * and the file that named its CKA_ID, as the version's key file is deleted for a file key.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as pkcs11 from 'pkcs11js';
import type { KeyConfig } from '../../realms/schema/key-config';
import type { KeyLoadContext } from '../key-loader';
import { pinOf, tokenLocation } from './pkcs11-key-loader';
import { findObjectsAll } from './token-objects';
import { tokenPool } from './token-pools';

export async function removeTokenVersion(config: KeyConfig, kid: string, context: KeyLoadContext): Promise<void> {
  const spec = config.pkcs11!;
  const pool = tokenPool(spec.module, tokenLocation(spec), await pinOf(spec, context), 1);
  const session = pool.api.C_OpenSession(pool.connect().slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    for (const object of findObjectsAll(pool.api, session, [{ type: pkcs11.CKA_LABEL, value: kid }])) pool.api.C_DestroyObject(session, object);
  } finally {
    pool.api.C_CloseSession(session);
  }
  await rm(join(context.dataDir, 'keys', `${kid}.pkcs11-id`), { force: true });
}
