/**
 * Turns what an issuer publishes (JWKS entries, a PEM key or certificate) into public JWKs this
 * service will verify with: public asymmetric keys that suit at least one allowed algorithm (RSA of
 * 2048 bits or more, the right curve...), as the signing-key algorithm table says.
 */
import { createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { keyProblemForAlgorithm, type JwsAlgorithmName } from '../../keys/jws-algorithms';
import { describeAsymmetricKey } from '../../keys/key-object-facts';
import type { RealmKey } from '../../keys/loaded-key';

/** Why `key` cannot verify any of `algorithms`, or undefined when it can verify one. */
export function keyUnsuitable(key: KeyObject, algorithms: readonly string[]): string | undefined {
  const facts = describeAsymmetricKey(key);
  if (!facts) return `a ${key.asymmetricKeyType ?? 'symmetric'} key is not supported`;
  // The table checks signing keys; a public key described the same way answers the same question.
  const asSigningKey = { kid: '', use: 'sig' as const, privateKey: key, ...facts };
  const problems = algorithms.map((alg) => keyProblemForAlgorithm(alg as JwsAlgorithmName, asSigningKey));
  return problems.includes(undefined) ? undefined : problems.join('; ');
}

/** The members of a JWK that say which key it is and how it may be used (never private parts). */
function publicPartOf(jwk: JWK, key: KeyObject): JWK {
  const { kid, use, alg, key_ops } = jwk;
  return { ...key.export({ format: 'jwk' }), ...(kid !== undefined && { kid }), ...(use !== undefined && { use }), ...(alg !== undefined && { alg }), ...(key_ops !== undefined && { key_ops }) };
}

export interface KeySetReading {
  readonly keys: readonly JWK[];
  /** One line per entry left out, for load-time messages. */
  readonly skipped: readonly string[];
}

/** The usable public keys of a JWKS; private or symmetric entries and unsuitable keys are left out. */
export function usableJwks(entries: readonly unknown[], algorithms: readonly string[]): KeySetReading {
  const keys: JWK[] = [];
  const skipped: string[] = [];
  entries.forEach((entry, index) => {
    const jwk = entry as JWK;
    const name = `key #${index + 1}${typeof jwk?.kid === 'string' ? ` (kid ${JSON.stringify(jwk.kid)})` : ''}`;
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') return void skipped.push(`${name} is not a JWK`);
    if (jwk.kty === 'oct') return void skipped.push(`${name} is a shared secret; only public keys are trusted`);
    if (jwk.d !== undefined) return void skipped.push(`${name} contains a private key; publish only the public key`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      return void skipped.push(`${name} cannot be read as a public key`);
    }
    const unsuitable = keyUnsuitable(key, algorithms);
    if (unsuitable) return void skipped.push(`${name}: ${unsuitable}`);
    keys.push(Object.freeze(publicPartOf(jwk, key)));
  });
  return { keys: Object.freeze(keys), skipped };
}

/** The JWK a realm key verifies with: its public half, or the secret itself for HS* (kept in memory only). */
const realmJwks = new WeakMap<RealmKey, JWK>();

export function verificationJwk(key: RealmKey): JWK {
  let jwk = realmJwks.get(key);
  if (!jwk) {
    const material = key.publicKey ?? key.privateKey!;
    jwk = Object.freeze({ ...material.export({ format: 'jwk' }), kid: key.kid });
    realmJwks.set(key, jwk);
  }
  return jwk;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----/;

/** A PEM public key or certificate as a public JWK (without kid: it is used whatever the token's kid). */
export function pemPublicJwk(pem: string, algorithms: readonly string[]): JWK | string {
  const label = PEM_BLOCK.exec(pem)?.[1];
  if (!label) return 'holds no PEM block';
  if (label.includes('PRIVATE')) return 'holds a private key; give the public key or certificate';
  let key: KeyObject;
  try {
    key = label === 'CERTIFICATE' ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    return `cannot be read as a ${label === 'CERTIFICATE' ? 'certificate' : 'public key'}`;
  }
  const unsuitable = keyUnsuitable(key, algorithms);
  return unsuitable ?? key.export({ format: 'jwk' });
}
