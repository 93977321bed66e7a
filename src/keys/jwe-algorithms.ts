/**
 * The JWE algorithm table: which key each key-management algorithm needs, and the key size of
 * each content encryption. The only place that enumerates JWE algorithms.
 */
import type { KeyFamily } from './loaded-key';

/** Content encryption -> key bytes (CBC-HS keys hold both the MAC and the AES key). */
const CONTENT_ENCRYPTION = {
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
} as const;

type KeyManagementRequirement =
  /** The shared secret is the content key itself. */
  | { family: 'oct'; secretBytes: 'content' }
  | { family: 'oct'; secretBytes: number }
  | { family: 'RSA'; minModulusBits: number }
  /** ECDH-ES: an EC or X25519 public key. */
  | { family: 'ECDH'; curves: readonly string[] };

// X448 is left out: jose 6 (WebCrypto), which decrypts these tokens, cannot do ECDH-ES with it.
const ECDH_CURVES = ['P-256', 'P-384', 'P-521', 'X25519'] as const;
const ecdh: KeyManagementRequirement = { family: 'ECDH', curves: ECDH_CURVES };
const aes = (bits: number): KeyManagementRequirement => ({ family: 'oct', secretBytes: bits / 8 });

const KEY_MANAGEMENT = {
  dir: { family: 'oct', secretBytes: 'content' },
  A128KW: aes(128),
  A192KW: aes(192),
  A256KW: aes(256),
  A128GCMKW: aes(128),
  A192GCMKW: aes(192),
  A256GCMKW: aes(256),
  'ECDH-ES': ecdh,
  'ECDH-ES+A128KW': ecdh,
  'ECDH-ES+A192KW': ecdh,
  'ECDH-ES+A256KW': ecdh,
  'RSA-OAEP': { family: 'RSA', minModulusBits: 2048 },
  'RSA-OAEP-256': { family: 'RSA', minModulusBits: 2048 },
} as const satisfies Record<string, KeyManagementRequirement>;

export type JweKeyManagementName = keyof typeof KEY_MANAGEMENT;
export type JweContentEncryptionName = keyof typeof CONTENT_ENCRYPTION;
export const JWE_KEY_MANAGEMENT_NAMES = Object.keys(KEY_MANAGEMENT) as JweKeyManagementName[];
export const JWE_CONTENT_ENCRYPTION_NAMES = Object.keys(CONTENT_ENCRYPTION) as JweContentEncryptionName[];

/** What the encryption key looks like, whichever source (realm key, partner JWK, certificate) it came from. */
export interface EncryptionKeyFacts {
  readonly family: KeyFamily;
  readonly curve?: string;
  readonly modulusBits?: number;
  readonly secretBytes?: number;
}

/** True for algorithms whose key is a secret shared with the recipient. */
export function isSymmetricKeyManagement(alg: JweKeyManagementName): boolean {
  return KEY_MANAGEMENT[alg].family === 'oct';
}

/** Why `key` cannot serve `alg` + `enc`, or undefined when it can. */
export function encryptionKeyProblem(
  alg: JweKeyManagementName,
  enc: JweContentEncryptionName,
  key: EncryptionKeyFacts,
): string | undefined {
  const need: KeyManagementRequirement = KEY_MANAGEMENT[alg];
  switch (need.family) {
    case 'oct': {
      const bytes = need.secretBytes === 'content' ? CONTENT_ENCRYPTION[enc] : need.secretBytes;
      if (key.family !== 'oct') return `${alg} needs a symmetric (oct) key, not ${key.family}`;
      return key.secretBytes !== bytes ? `${alg} with ${enc} needs a ${bytes}-byte secret; this one has ${key.secretBytes}` : undefined;
    }
    case 'RSA':
      if (key.family !== 'RSA') return `${alg} needs an RSA key, not ${key.family}`;
      return (key.modulusBits ?? 0) < need.minModulusBits ? `${alg} needs an RSA key of at least ${need.minModulusBits} bits` : undefined;
    case 'ECDH':
      if ((key.family !== 'EC' && key.family !== 'OKP') || !need.curves.includes(key.curve ?? '')) {
        return `${alg} needs an EC (P-256, P-384, P-521) or X25519 key, not ${key.family}${key.curve ? ` ${key.curve}` : ''}`;
      }
      return undefined;
  }
}
