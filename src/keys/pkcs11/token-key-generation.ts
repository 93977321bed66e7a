/**
 * Key pairs made inside a token (for `rest-sts generate-key --pkcs11`): the private key is a token
 * object that is private, sensitive and not extractable, allowed to sign and nothing else, so it
 * never leaves the token; the public key beside it, and a certificate stored as CKO_CERTIFICATE
 * with the same label and id.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as pkcs11 from 'pkcs11js';
import { x509 } from '../../token-types/x509/x509-library';
import { selfSignedCertificatePem } from '../self-signed-certificate';
import { TokenKeySigner } from './token-key-signer';
import { publicKeyOf } from './token-objects';
import type { TokenSessionPool } from './token-session-pool';

/** PKCS#11 3.0 value pkcs11js does not name. */
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;

const CURVE_OIDS: Readonly<Record<string, string>> = {
  'P-256': '1.2.840.10045.3.1.7',
  'P-384': '1.3.132.0.34',
  'P-521': '1.3.132.0.35',
  Ed25519: '1.3.101.112',
};

export type TokenKeySpec = { readonly type: 'rsa'; readonly size: number } | { readonly type: 'ec'; readonly curve: 'P-256' | 'P-384' | 'P-521' } | { readonly type: 'okp'; readonly curve: 'Ed25519' };

export interface TokenKeyNames {
  readonly label: string;
  readonly id: Buffer;
}

const ecParameters = (curve: string): Buffer => Buffer.from(AsnConvert.serialize(new ECParameters({ namedCurve: CURVE_OIDS[curve] })));

export function generateTokenKeyPair(api: pkcs11.PKCS11, session: pkcs11.Handle, spec: TokenKeySpec, names: TokenKeyNames): pkcs11.KeyPair {
  const named = [
    { type: pkcs11.CKA_LABEL, value: names.label },
    { type: pkcs11.CKA_ID, value: names.id },
    { type: pkcs11.CKA_TOKEN, value: true },
  ];
  const publicTemplate: pkcs11.Template = [...named, { type: pkcs11.CKA_VERIFY, value: true }, { type: pkcs11.CKA_PRIVATE, value: false }];
  const privateTemplate: pkcs11.Template = [
    ...named,
    { type: pkcs11.CKA_PRIVATE, value: true },
    { type: pkcs11.CKA_SENSITIVE, value: true },
    { type: pkcs11.CKA_EXTRACTABLE, value: false },
    { type: pkcs11.CKA_SIGN, value: true },
    { type: pkcs11.CKA_DECRYPT, value: false },
    { type: pkcs11.CKA_UNWRAP, value: false },
    { type: pkcs11.CKA_DERIVE, value: false },
  ];
  switch (spec.type) {
    case 'rsa':
      publicTemplate.push({ type: pkcs11.CKA_MODULUS_BITS, value: spec.size }, { type: pkcs11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) });
      return api.C_GenerateKeyPair(session, { mechanism: pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
    case 'ec':
      publicTemplate.push({ type: pkcs11.CKA_EC_PARAMS, value: ecParameters(spec.curve) });
      return api.C_GenerateKeyPair(session, { mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
    case 'okp':
      publicTemplate.push({ type: pkcs11.CKA_EC_PARAMS, value: ecParameters(spec.curve) });
      return api.C_GenerateKeyPair(session, { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
  }
}

/** Stores `certificate` in the token beside the key pair (same label and id). */
export function storeCertificate(api: pkcs11.PKCS11, session: pkcs11.Handle, certificate: X509Certificate, names: TokenKeyNames): void {
  api.C_CreateObject(session, [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_CERTIFICATE },
    { type: pkcs11.CKA_CERTIFICATE_TYPE, value: pkcs11.CKC_X_509 },
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: false },
    { type: pkcs11.CKA_LABEL, value: names.label },
    { type: pkcs11.CKA_ID, value: names.id },
    { type: pkcs11.CKA_SUBJECT, value: Buffer.from(new x509.X509Certificate(certificate.raw).subjectName.toArrayBuffer()) },
    { type: pkcs11.CKA_VALUE, value: certificate.raw },
  ]);
}

export interface CertifiedTokenKey {
  readonly publicKey: KeyObject;
  readonly certificate: X509Certificate;
}

export interface SelfCertificate {
  readonly name: x509.Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** A CA certificate (CA:TRUE, keyCertSign) rather than an end-entity one. */
  readonly ca: boolean;
}

/**
 * A key pair generated in the token, and a self-signed certificate for it that the token signs
 * (not stored: the caller stores it in the token or writes it out).
 */
export async function generateCertifiedKeyPair(pool: TokenSessionPool, session: pkcs11.Handle, spec: TokenKeySpec, names: TokenKeyNames, certificate: SelfCertificate, callTimeoutMs: number): Promise<CertifiedTokenKey> {
  const keyPair = generateTokenKeyPair(pool.api, session, spec, names);
  const publicKey = publicKeyOf(pool.api, session, keyPair.publicKey);
  if (typeof publicKey === 'string') throw new Error(publicKey);
  const keyUsage = certificate.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature;
  const pem = await selfSignedCertificatePem({
    tokenKey: { publicKey, signer: new TokenKeySigner(pool, { id: names.id }, callTimeoutMs) },
    ...certificate,
    keyUsage,
  });
  return { publicKey, certificate: new X509Certificate(pem) };
}
