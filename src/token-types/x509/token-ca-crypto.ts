/**
 * A WebCrypto provider for @peculiar/x509 whose `sign` goes to a key in a PKCS#11 token: the
 * library builds the certificate, asks the provider for the signature of its TBSCertificate, and
 * converts an ECDSA r || s to DER itself, as it does with node's WebCrypto. Everything else is
 * node's WebCrypto.
 */
import { webcrypto } from 'node:crypto';
import type { KeySigner, SignatureHash, SignatureScheme } from '../../keys/key-signer';
import type { x509Crypto } from './x509-library';

type X509Crypto = typeof x509Crypto;
type Algorithm = { readonly name: string; readonly hash?: string | { readonly name: string } };

/** The stand-in CryptoKey the library passes back to `sign`: it only carries the algorithm. */
export interface TokenCaKey {
  readonly type: 'private';
  readonly extractable: false;
  readonly usages: ['sign'];
  readonly algorithm: Algorithm;
}

export function tokenCaKey(algorithm: Algorithm): TokenCaKey {
  return { type: 'private', extractable: false, usages: ['sign'], algorithm };
}

const HASHES: Readonly<Record<string, SignatureHash>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function schemeOf(algorithm: Algorithm): SignatureScheme {
  if (algorithm.name === 'Ed25519') return { padding: 'eddsa' };
  const hashName = typeof algorithm.hash === 'string' ? algorithm.hash : algorithm.hash?.name;
  const hash = hashName === undefined ? undefined : HASHES[hashName.toUpperCase()];
  if (!hash) throw new Error(`no hash for ${algorithm.name}`);
  if (algorithm.name === 'ECDSA') return { padding: 'ecdsa', hash };
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return { padding: 'pkcs1', hash };
  throw new Error(`${algorithm.name} is not a CA signature algorithm`);
}

/** The provider to hand to X509CertificateGenerator.create with a {@link tokenCaKey}. */
export function tokenCaCrypto(signer: KeySigner): X509Crypto {
  const subtle = webcrypto.subtle;
  const tokenSubtle = Object.create(subtle, {
    sign: {
      value: async (algorithm: Algorithm, _key: TokenCaKey, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> => {
        const bytes = Buffer.from(ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
        const signature = await signer.sign(schemeOf(algorithm), bytes);
        return new Uint8Array(signature).buffer;
      },
    },
  }) as typeof subtle;
  // Methods of node's SubtleCrypto check their receiver: bind each to the real one.
  for (const name of ['digest', 'importKey', 'exportKey', 'verify', 'generateKey'] as const) {
    Object.defineProperty(tokenSubtle, name, { value: (subtle[name] as (...args: unknown[]) => unknown).bind(subtle) });
  }
  return { subtle: tokenSubtle, getRandomValues: webcrypto.getRandomValues.bind(webcrypto) } as unknown as X509Crypto;
}
