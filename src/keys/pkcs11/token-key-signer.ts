/**
 * Signatures made by the token with a private key that never leaves it. The key's handle is
 * looked up again after each reconnection (handles die with the library's sessions). Hashing
 * for ECDSA is done here (CKM_ECDSA signs a digest; every token has it, not every token has the
 * CKM_ECDSA_SHA* ones); RSA uses the token's hash-and-sign mechanisms.
 */
import { createHash } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import type { KeySigner, SignatureHash, SignatureScheme } from '../key-signer';
import { CKM_EDDSA, findObjects, selectorTemplate, type KeySelector } from './token-objects';
import type { TokenSessionPool } from './token-session-pool';

const RSA_PKCS1: Record<SignatureHash, number> = { sha256: pkcs11.CKM_SHA256_RSA_PKCS, sha384: pkcs11.CKM_SHA384_RSA_PKCS, sha512: pkcs11.CKM_SHA512_RSA_PKCS };
const RSA_PSS: Record<SignatureHash, number> = { sha256: pkcs11.CKM_SHA256_RSA_PKCS_PSS, sha384: pkcs11.CKM_SHA384_RSA_PKCS_PSS, sha512: pkcs11.CKM_SHA512_RSA_PKCS_PSS };
const HASH: Record<SignatureHash, number> = { sha256: pkcs11.CKM_SHA256, sha384: pkcs11.CKM_SHA384, sha512: pkcs11.CKM_SHA512 };
const MGF1: Record<SignatureHash, number> = { sha256: pkcs11.CKG_MGF1_SHA256, sha384: pkcs11.CKG_MGF1_SHA384, sha512: pkcs11.CKG_MGF1_SHA512 };
const HASH_BYTES: Record<SignatureHash, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** Room for the longest signature: RSA-16384 is 2048 bytes. */
const SIGNATURE_ROOM = 2048;

export class TokenKeySigner implements KeySigner {
  private handle?: { readonly generation: number; readonly key: pkcs11.Handle };

  constructor(
    private readonly pool: TokenSessionPool,
    private readonly selector: KeySelector,
    private readonly callTimeoutMs: number,
  ) {}

  sign(scheme: SignatureScheme, data: Buffer): Promise<Buffer> {
    return this.pool.run(this.callTimeoutMs, async (session, connection) => {
      const key = this.keyHandle(session, connection.generation);
      const { mechanism, input } = mechanismFor(scheme, data);
      this.pool.api.C_SignInit(session, mechanism, key);
      return this.pool.api.C_SignAsync(session, input, Buffer.alloc(SIGNATURE_ROOM));
    });
  }

  private keyHandle(session: pkcs11.Handle, generation: number): pkcs11.Handle {
    if (this.handle?.generation === generation) return this.handle.key;
    const [key] = findObjects(this.pool.api, session, selectorTemplate(pkcs11.CKO_PRIVATE_KEY, this.selector));
    if (!key) throw new Error('the private key is no longer in the token');
    this.handle = { generation, key };
    return key;
  }
}

function mechanismFor(scheme: SignatureScheme, data: Buffer): { mechanism: pkcs11.Mechanism; input: Buffer } {
  switch (scheme.padding) {
    case 'pkcs1':
      return { mechanism: { mechanism: RSA_PKCS1[scheme.hash!] }, input: data };
    case 'pss': {
      const hash = scheme.hash!;
      const parameter = { type: pkcs11.CK_PARAMS_RSA_PSS, hashAlg: HASH[hash], mgf: MGF1[hash], saltLen: HASH_BYTES[hash] };
      return { mechanism: { mechanism: RSA_PSS[hash], parameter }, input: data };
    }
    case 'ecdsa':
      return { mechanism: { mechanism: pkcs11.CKM_ECDSA }, input: createHash(scheme.hash!).update(data).digest() };
    case 'eddsa':
      return { mechanism: { mechanism: CKM_EDDSA }, input: data };
  }
}
