/**
 * Wraps a rotating key's material before it leaves the process for the shared store: AES-256-GCM
 * (Node's crypto) under the key-wrapping key, with the version's kid as associated data, so a
 * record moved to another kid, altered or wrapped under another key fails to unwrap.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const WRAPPING_KEY_BYTES = 32;
const IV_BYTES = 12;

/** The stored form: `a256gcm.<iv>.<tag>.<ciphertext>`, each part base64url. */
export function wrapKeyMaterial(wrappingKey: Buffer, kid: string, material: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const data = Buffer.concat([cipher.update(material, 'utf8'), cipher.final()]);
  return ['a256gcm', iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The material, or undefined when the record is not one wrapped for `kid` under this key. */
export function unwrapKeyMaterial(wrappingKey: Buffer, kid: string, wrapped: string): string | undefined {
  const [scheme, iv, tag, data] = wrapped.split('.');
  if (scheme !== 'a256gcm' || iv === undefined || tag === undefined || data === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
