/** Reads what the algorithm table needs to know out of a node:crypto KeyObject. */
import type { KeyObject } from 'node:crypto';
import type { KeyFamily } from './loaded-key';

const NODE_CURVE_TO_JOSE: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

export interface KeyFacts {
  family: KeyFamily;
  curve?: string;
  modulusBits?: number;
}

/** Works for private and public keys; undefined for key types the STS does not use (DSA, DH, ...). */
export function describeAsymmetricKey(key: KeyObject): KeyFacts | undefined {
  switch (key.asymmetricKeyType) {
    // RSA-PSS-only keys (OID id-RSASSA-PSS) are left out: they cannot be published as JWKs.
    case 'rsa':
      return { family: 'RSA', modulusBits: key.asymmetricKeyDetails?.modulusLength };
    case 'ec': {
      const named = key.asymmetricKeyDetails?.namedCurve ?? '';
      return { family: 'EC', curve: NODE_CURVE_TO_JOSE[named] ?? named };
    }
    case 'ed25519':
      return { family: 'OKP', curve: 'Ed25519' };
    case 'ed448':
      return { family: 'OKP', curve: 'Ed448' };
    case 'x25519':
      return { family: 'OKP', curve: 'X25519' };
    case 'x448':
      return { family: 'OKP', curve: 'X448' };
    default:
      return undefined;
  }
}
