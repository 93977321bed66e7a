/**
 * ECDSA signature methods for verifying with xml-crypto (which ships none): an adapter over
 * node:crypto's verify, no cryptography of our own (the STS signs through xml-async-signature.ts).
 * XML-DSig 1.1 (RFC 6931 / xmldsig-core1 6.4.3) writes the SignatureValue as base64 of r || s,
 * each the curve's field size, which node:crypto produces and checks with
 * `dsaEncoding: 'ieee-p1363'`. Only EC keys are ever used with these methods, so an RSA key can
 * never verify a value labelled ECDSA.
 */
import { createPublicKey, KeyObject, verify, type KeyLike } from 'node:crypto';
import { createOptionalCallbackFunction, type SignatureAlgorithm, type SignedXml } from 'xml-crypto';

export const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
export const ECDSA_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384';
export const ECDSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512';

const HASH_OF: Readonly<Record<string, string>> = { [ECDSA_SHA256]: 'sha256', [ECDSA_SHA384]: 'sha384', [ECDSA_SHA512]: 'sha512' };

/** The ECDSA signature methods registered by {@link withEcdsa}. */
export const ECDSA_ALGORITHMS: ReadonlySet<string> = new Set(Object.keys(HASH_OF));

/** JOSE curve name -> the signature method SAML signing uses with it (hash matched to the curve). */
export const ECDSA_FOR_CURVE: Readonly<Record<string, string>> = { 'P-256': ECDSA_SHA256, 'P-384': ECDSA_SHA384, 'P-521': ECDSA_SHA512 };

/** OpenSSL curve names of the EC keys accepted for XML signatures (P-256, P-384, P-521). */
export const XML_EC_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

function ecKey(key: KeyLike): KeyObject {
  const object = key instanceof KeyObject ? key : createPublicKey(key);
  if (object.asymmetricKeyType !== 'ec') throw new Error(`ECDSA needs an EC key, not ${object.asymmetricKeyType ?? object.type}`);
  return object;
}

function ecdsa(uri: string): new () => SignatureAlgorithm {
  const hash = HASH_OF[uri];
  return class EcdsaSignatureAlgorithm implements SignatureAlgorithm {
    getSignature = (): never => {
      throw new Error('ECDSA signatures are made through a KeySigner (xml-async-signature.ts)');
    };

    verifySignature = createOptionalCallbackFunction((material: string, key: KeyLike, signatureValue: string): boolean => {
      let publicKey: KeyObject;
      try {
        publicKey = ecKey(key);
      } catch {
        return false;
      }
      return verify(hash, Buffer.from(material, 'utf8'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signatureValue.replace(/\s/g, ''), 'base64'));
    }) as SignatureAlgorithm['verifySignature'];

    getAlgorithmName = (): string => uri;
  };
}

const CLASSES: ReadonlyArray<[string, new () => SignatureAlgorithm]> = [...ECDSA_ALGORITHMS].map((uri) => [uri, ecdsa(uri)]);

/** Registers the ECDSA signature methods on this SignedXml instance and returns it. */
export function withEcdsa<T extends SignedXml>(signedXml: T): T {
  for (const [uri, algorithm] of CLASSES) signedXml.SignatureAlgorithms[uri] = algorithm;
  return signedXml;
}
