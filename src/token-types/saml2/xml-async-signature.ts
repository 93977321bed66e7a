/**
 * xml-crypto's signing hook for signing off the event loop: a signature method whose getSignature
 * hands the canonical SignedInfo to a KeySigner (asynchronously, through xml-crypto's callback
 * flow): a PKCS#11 token's, or node:crypto on the libuv pool for a key the STS holds. Both return
 * ECDSA as r || s, which is what XML-DSig 1.1 writes (as xml-ecdsa.ts reads it).
 */
import type { BinaryLike } from 'node:crypto';
import type { ErrorFirstCallback, SignatureAlgorithm, SignedXml } from 'xml-crypto';
import type { KeySigner, SignatureScheme } from '../../keys/key-signer';
import { SIGNATURE_ALGORITHMS } from './xml-algorithms';

const SCHEMES: Readonly<Record<string, SignatureScheme>> = {
  [SIGNATURE_ALGORITHMS['rsa-sha256'].uri]: { padding: 'pkcs1', hash: 'sha256' },
  [SIGNATURE_ALGORITHMS['rsa-sha512'].uri]: { padding: 'pkcs1', hash: 'sha512' },
  [SIGNATURE_ALGORITHMS['ecdsa-sha256'].uri]: { padding: 'ecdsa', hash: 'sha256' },
  [SIGNATURE_ALGORITHMS['ecdsa-sha384'].uri]: { padding: 'ecdsa', hash: 'sha384' },
  [SIGNATURE_ALGORITHMS['ecdsa-sha512'].uri]: { padding: 'ecdsa', hash: 'sha512' },
};

/** Registers, on this SignedXml only, the signature method `uri` as made by `signer`; returns it. */
export function withAsyncSignature(signedXml: SignedXml, uri: string, signer: KeySigner): SignedXml {
  const scheme = SCHEMES[uri];
  if (!scheme) throw new Error(`signature method ${uri} is not available for signing`);
  signedXml.SignatureAlgorithms[uri] = class AsyncSignatureAlgorithm {
    getSignature(signedInfo: BinaryLike, _privateKey: unknown, callback?: ErrorFirstCallback<string>): string | void {
      if (!callback) throw new Error('this signature method signs asynchronously');
      const data = typeof signedInfo === 'string' ? Buffer.from(signedInfo, 'utf8') : Buffer.from(signedInfo as Uint8Array);
      signer.sign(scheme!, data).then(
        (signature) => callback(null, signature.toString('base64')),
        (error: Error) => callback(error),
      );
    }

    verifySignature(): boolean {
      return false; // Signing only: verification uses the published certificate, with xml-ecdsa.ts or xml-crypto's own methods.
    }

    getAlgorithmName(): string {
      return uri;
    }
  } as unknown as new () => SignatureAlgorithm;
  return signedXml;
}
