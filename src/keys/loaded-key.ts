import type { KeyObject, X509Certificate } from 'node:crypto';

export type KeyFamily = 'RSA' | 'EC' | 'OKP' | 'oct';

/** A realm key after loading (`LoadedKey` inside the server, `RealmKey` for plugins): parsed once, described enough to check it against algorithms. */
export interface RealmKey {
  readonly kid: string;
  readonly use: 'sig' | 'enc';
  readonly family: KeyFamily;
  /** Private key, or the secret key for `oct`. */
  readonly privateKey: KeyObject;
  /** Absent for `oct`: symmetric material is never published. */
  readonly publicKey?: KeyObject;
  /** JOSE curve name (P-256, Ed25519, ...) for EC and OKP keys. */
  readonly curve?: string;
  readonly modulusBits?: number;
  readonly secretBytes?: number;
  readonly certificate?: X509Certificate;
  /** Key rollover: signs nothing from this instant; published until its tokens have expired. */
  readonly retiredAt?: Date;
}

export type LoadedKey = RealmKey;
