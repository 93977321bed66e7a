/**
 * Wraps a signed JWT in a JWE (nested JWT: sign, then encrypt, `cty: JWT`, RFC 7519 section 5.2)
 * with jose. The key comes from the source resolved at load (realm key, partner file) or per
 * call from a cached partner JWKS.
 *
 * jose 5's Node build (the `jose-node` alias) encrypts with node:crypto; jose 6 goes through
 * WebCrypto, one hand-off to the thread pool per step (ephemeral key, agreement, key derivation,
 * key wrap, content encryption), about twice the CPU per token. Decryption stays with jose 6.
 */
import { CompactEncrypt } from 'jose-node';
import type { EncryptionConfig } from '../../realms/schema/encryption-config';
import type { EncryptionKey } from './encryption-key';

export type EncryptionKeySource = () => EncryptionKey | Promise<EncryptionKey>;

const encoder = new TextEncoder();

export class JweEncrypter {
  constructor(
    private readonly config: EncryptionConfig,
    private readonly keySource: EncryptionKeySource,
  ) {}

  async encrypt(signedJwt: string): Promise<string> {
    const { key, kid, x5t } = await this.keySource();
    const { algorithm: alg, content_encryption: enc, include_kid, include_x5t } = this.config;
    return new CompactEncrypt(encoder.encode(signedJwt))
      .setProtectedHeader({
        alg,
        enc,
        cty: 'JWT',
        ...(include_kid && kid !== undefined && { kid }),
        ...(include_x5t && x5t !== undefined && { x5t }),
      })
      .encrypt(key);
  }
}
