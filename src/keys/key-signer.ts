/**
 * The one way the STS signs with an asymmetric key whose private half it may not hold: a key in
 * a PKCS#11 token carries a KeySigner (RealmKey.signer), a key from a file or generated keeps its
 * KeyObject and is signed with node:crypto directly (through keyObjectSigner where a user's hook
 * takes a KeySigner: XML-DSig). Each user (JWS, XML-DSig, X.509) names the hash and padding; the
 * signer returns the signature as JWS and XML-DSig 1.1 carry it (ECDSA: r || s), so X.509
 * converts it as it does WebCrypto's.
 */
import { jwsSignatureScheme, type JwsAlgorithmName } from './jws-algorithms';

export type SignatureHash = 'sha256' | 'sha384' | 'sha512';

export interface SignatureScheme {
  /** pkcs1: RSASSA-PKCS1-v1_5; pss: RSASSA-PSS, salt as long as the hash; ecdsa: r || s; eddsa: Ed25519 (no hash). */
  readonly padding: 'pkcs1' | 'pss' | 'ecdsa' | 'eddsa';
  /** Absent for eddsa, which hashes by itself. */
  readonly hash?: SignatureHash;
}

export interface KeySigner {
  /** The signature of `data`; rejects with a 503 key_unavailable when the token cannot answer in time. */
  sign(scheme: SignatureScheme, data: Buffer): Promise<Buffer>;
}

/** The scheme of an asymmetric JWS algorithm (RFC 7518 section 3). */
export function signatureSchemeOfJws(alg: JwsAlgorithmName): SignatureScheme {
  const { digest, hmac, dsaEncoding, padding } = jwsSignatureScheme(alg);
  if (hmac) throw new Error(`${alg} is an HMAC, not a signature`);
  if (digest === undefined) return { padding: 'eddsa' };
  const hash = digest as SignatureHash;
  if (dsaEncoding) return { padding: 'ecdsa', hash };
  return { padding: padding === undefined ? 'pkcs1' : 'pss', hash };
}
