/**
 * The JWS algorithm table: the only place that knows which key suits which algorithm.
 * Everything below it looks algorithms up here instead of enumerating them.
 */
import { constants } from 'node:crypto';
import type { LoadedKey } from './loaded-key';

type JwsRequirement =
  | { family: 'oct'; minSecretBytes: number }
  | { family: 'RSA'; minModulusBits: number }
  | { family: 'EC'; curve: string }
  | { family: 'OKP'; curves: readonly string[] };

const hmac = (bits: number): JwsRequirement => ({ family: 'oct', minSecretBytes: bits / 8 });
const rsa: JwsRequirement = { family: 'RSA', minModulusBits: 2048 };
const ecdsa = (curve: string): JwsRequirement => ({ family: 'EC', curve });

const JWS_ALGORITHMS = {
  HS256: hmac(256),
  HS384: hmac(384),
  HS512: hmac(512),
  RS256: rsa,
  RS384: rsa,
  RS512: rsa,
  PS256: rsa,
  PS384: rsa,
  PS512: rsa,
  ES256: ecdsa('P-256'),
  ES384: ecdsa('P-384'),
  ES512: ecdsa('P-521'),
  // Ed448 is left out: jose (WebCrypto) cannot sign with it, and a key we cannot use must fail at load.
  EdDSA: { family: 'OKP', curves: ['Ed25519'] },
} as const satisfies Record<string, JwsRequirement>;

export type JwsAlgorithmName = keyof typeof JWS_ALGORITHMS;
export const JWS_ALGORITHM_NAMES = Object.keys(JWS_ALGORITHMS) as JwsAlgorithmName[];

/** How node:crypto makes and checks each algorithm's signature (RFC 7518 section 3). */
export interface JwsSignatureScheme {
  /** The digest; undefined for EdDSA, which hashes by itself. */
  readonly digest: string | undefined;
  /** HS*: an HMAC with the shared secret instead of a signature. */
  readonly hmac?: true;
  /** ES*: JWS carries r || s, not the DER form node:crypto uses by default. */
  readonly dsaEncoding?: 'ieee-p1363';
  /** PS*: RSASSA-PSS with a salt as long as the digest. */
  readonly padding?: number;
  readonly saltLength?: number;
}

const pss = (digest: string): JwsSignatureScheme => ({ digest, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });

const JWS_SIGNATURE_SCHEMES: Record<JwsAlgorithmName, JwsSignatureScheme> = {
  HS256: { digest: 'sha256', hmac: true },
  HS384: { digest: 'sha384', hmac: true },
  HS512: { digest: 'sha512', hmac: true },
  RS256: { digest: 'sha256' },
  RS384: { digest: 'sha384' },
  RS512: { digest: 'sha512' },
  PS256: pss('sha256'),
  PS384: pss('sha384'),
  PS512: pss('sha512'),
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  ES384: { digest: 'sha384', dsaEncoding: 'ieee-p1363' },
  ES512: { digest: 'sha512', dsaEncoding: 'ieee-p1363' },
  EdDSA: { digest: undefined },
};

export function isJwsAlgorithm(alg: string): alg is JwsAlgorithmName {
  return Object.hasOwn(JWS_SIGNATURE_SCHEMES, alg);
}

export function jwsSignatureScheme(alg: JwsAlgorithmName): JwsSignatureScheme {
  return JWS_SIGNATURE_SCHEMES[alg];
}

/** Why `key` cannot sign with `alg`, or undefined when it can. Never suggests a fallback. */
export function keyProblemForAlgorithm(alg: JwsAlgorithmName, key: LoadedKey): string | undefined {
  const need: JwsRequirement = JWS_ALGORITHMS[alg];
  if (key.use !== 'sig') return `key "${key.kid}" has use "${key.use}"; ${alg} needs a key with use "sig"`;
  if (key.family !== need.family) return `${alg} needs an ${need.family} key but "${key.kid}" is ${key.family}`;
  switch (need.family) {
    case 'oct':
      return (key.secretBytes ?? 0) < need.minSecretBytes
        ? `${alg} needs a secret of at least ${need.minSecretBytes} bytes; "${key.kid}" has ${key.secretBytes}`
        : undefined;
    case 'RSA':
      return (key.modulusBits ?? 0) < need.minModulusBits
        ? `${alg} needs an RSA key of at least ${need.minModulusBits} bits; "${key.kid}" has ${key.modulusBits}`
        : undefined;
    case 'EC':
      return key.curve !== need.curve ? `${alg} needs curve ${need.curve}; "${key.kid}" is ${key.curve}` : undefined;
    case 'OKP':
      return key.curve === undefined || !need.curves.includes(key.curve)
        ? `${alg} needs curve ${need.curves.join(' or ')}; "${key.kid}" is ${key.curve}`
        : undefined;
  }
}
