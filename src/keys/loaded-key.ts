import type { KeyObject, X509Certificate } from 'node:crypto';
import type { KeySigner } from './key-signer';

export type KeyFamily = 'RSA' | 'EC' | 'OKP' | 'oct';

/** A realm key after loading (`LoadedKey` inside the server, `RealmKey` for plugins): parsed once, described enough to check it against algorithms. */
export interface RealmKey {
  readonly kid: string;
  readonly use: 'sig' | 'enc';
  readonly family: KeyFamily;
  /** Private key, or the secret key for `oct`; absent for a key held in a PKCS#11 token (see `signer`). */
  readonly privateKey?: KeyObject;
  /** Present for a key held in a PKCS#11 token: it signs there, the private key never leaves it. */
  readonly signer?: KeySigner;
  /** Absent for `oct`: symmetric material is never published. */
  readonly publicKey?: KeyObject;
  /** JOSE curve name (P-256, Ed25519, ...) for EC and OKP keys. */
  readonly curve?: string;
  readonly modulusBits?: number;
  readonly secretBytes?: number;
  /** The key's certificate_file, or for a generated RSA or EC key the self-signed one the server made. */
  readonly certificate?: X509Certificate;
  /**
   * True when `certificate` is the one the server made for a generated key. It carries the key in
   * SAML (KeyInfo, metadata) but is not published in a JWKS (x5c), named in an x5t header or
   * used as a CA: see {@link configuredCertificate}.
   */
  readonly certificateGenerated?: boolean;
  /** Key rollover: signs nothing from this instant; published until its tokens have expired. */
  readonly retiredAt?: Date;
}

export type LoadedKey = RealmKey;

/** The certificate from the key's certificate_file: what JWKS x5c, x5t headers and CAs use. */
export function configuredCertificate(key: RealmKey): X509Certificate | undefined {
  return key.certificateGenerated ? undefined : key.certificate;
}
