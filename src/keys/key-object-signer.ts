/**
 * A KeySigner for a key the STS holds as a KeyObject (from a file, or generated): node:crypto's
 * signature on the libuv pool, so an RSA signature (about a quarter of a millisecond for 2048
 * bits) does not hold up the event loop. ECDSA comes as r || s, as from a token.
 */
import { constants, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import type { KeySigner, SignatureScheme } from './key-signer';

function signOptions(key: KeyObject, scheme: SignatureScheme): SignKeyObjectInput {
  switch (scheme.padding) {
    case 'ecdsa':
      return { key, dsaEncoding: 'ieee-p1363' };
    case 'pss':
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
    default:
      return { key };
  }
}

export function keyObjectSigner(key: KeyObject): KeySigner {
  return {
    sign: (scheme, data) =>
      new Promise((resolve, reject) => sign(scheme.hash ?? null, data, signOptions(key, scheme), (error, signature) => (error ? reject(error) : resolve(signature)))),
  };
}
