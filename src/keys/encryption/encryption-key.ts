/** The key a JWE is encrypted to, whichever source it came from, with what its headers need. */
import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';
import { x5tOf } from '../certificate-thumbprint';
import type { EncryptionKeyFacts, JweContentEncryptionName, JweKeyManagementName } from '../jwe-algorithms';
import { encryptionKeyProblem } from '../jwe-algorithms';
import { describeAsymmetricKey } from '../key-object-facts';

export interface EncryptionKey {
  /** Public key (asymmetric algorithms) or shared secret (dir, A*KW, A*GCMKW). */
  readonly key: KeyObject;
  readonly kid?: string;
  readonly x5t?: string;
}

export function factsOf(key: KeyObject): EncryptionKeyFacts | undefined {
  if (key.type === 'secret') return { family: 'oct', secretBytes: key.symmetricKeySize };
  // jose cannot encrypt to an RSASSA-PSS-restricted key: unusable, so refused at load.
  return key.asymmetricKeyType === 'rsa-pss' ? undefined : describeAsymmetricKey(key);
}

export function fromCertificate(certificate: X509Certificate, kid?: string): EncryptionKey {
  return { key: certificate.publicKey, kid, x5t: x5tOf(certificate) };
}

/** A partner JWK as an encryption key; undefined when it is not a usable public key. */
export function fromJwk(jwk: JWK): EncryptionKey | undefined {
  if (jwk.d !== undefined || jwk.kty === 'oct') return undefined; // only public keys are taken from partners
  try {
    return { key: createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }), kid: jwk.kid, x5t: jwk.x5t };
  } catch {
    return undefined;
  }
}

/**
 * Picks the partner key for `alg`: `use` enc or unset, `alg` equal or unset, and a key type the
 * algorithm can use (RFC 7517 section 4).
 */
export function selectJwk(keys: readonly JWK[], alg: JweKeyManagementName, enc: JweContentEncryptionName): EncryptionKey | undefined {
  for (const jwk of keys) {
    if ((jwk.use !== undefined && jwk.use !== 'enc') || (jwk.alg !== undefined && jwk.alg !== alg)) continue;
    const candidate = fromJwk(jwk);
    const facts = candidate && factsOf(candidate.key);
    if (candidate && facts && encryptionKeyProblem(alg, enc, facts) === undefined) return candidate;
  }
  return undefined;
}
