/**
 * Reading a key pair's objects in a token: the private key's handle and flags, the public key
 * (CKA_EC_POINT with CKA_EC_PARAMS, or CKA_MODULUS and CKA_PUBLIC_EXPONENT) as a node:crypto
 * KeyObject, and the certificate stored beside it. Only public attributes are read.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as pkcs11 from 'pkcs11js';

/** PKCS#11 3.0 values pkcs11js does not name. */
export const CKK_EC_EDWARDS = 0x40;
export const CKM_EDDSA = 0x1057;

const EC_CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};
/** Uncompressed SEC1 points (0x04 || X || Y) of P-256, P-384 and P-521. */
const RAW_POINT_LENGTHS = new Set([65, 97, 133]);

/** How a key pair is found: by CKA_LABEL or by CKA_ID. */
export type KeySelector = { readonly label: string } | { readonly id: Buffer };

/** The objects matching `template` (at most 16: enough to tell one from several). */
export function findObjects(api: pkcs11.PKCS11, session: pkcs11.Handle, template: pkcs11.Template, max = 16): pkcs11.Handle[] {
  api.C_FindObjectsInit(session, template);
  try {
    return api.C_FindObjects(session, max);
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

export const findObjectsAll = (api: pkcs11.PKCS11, session: pkcs11.Handle, template: pkcs11.Template): pkcs11.Handle[] => findObjects(api, session, template, 10_000);

export function selectorTemplate(objectClass: number, selector: KeySelector): pkcs11.Template {
  return [{ type: pkcs11.CKA_CLASS, value: objectClass }, 'label' in selector ? { type: pkcs11.CKA_LABEL, value: selector.label } : { type: pkcs11.CKA_ID, value: selector.id }];
}

export function attribute(api: pkcs11.PKCS11, session: pkcs11.Handle, object: pkcs11.Handle, type: number): Buffer | undefined {
  try {
    const value = api.C_GetAttributeValue(session, object, [{ type }])[0]?.value;
    return Buffer.isBuffer(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export const ulong = (value: Buffer | undefined): number | undefined => (value && value.length > 0 ? value.readUIntLE(0, Math.min(6, value.length)) : undefined);
export const bool = (value: Buffer | undefined): boolean => value !== undefined && value.length > 0 && value[0] !== 0;

/** The public key of a CKO_PUBLIC_KEY object, or why it cannot be read. */
export function publicKeyOf(api: pkcs11.PKCS11, session: pkcs11.Handle, object: pkcs11.Handle): KeyObject | string {
  const keyType = ulong(attribute(api, session, object, pkcs11.CKA_KEY_TYPE));
  switch (keyType) {
    case pkcs11.CKK_RSA: {
      const n = attribute(api, session, object, pkcs11.CKA_MODULUS);
      const e = attribute(api, session, object, pkcs11.CKA_PUBLIC_EXPONENT);
      if (!n || !e) return 'the RSA public key has no modulus or exponent';
      return createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
    }
    case pkcs11.CKK_EC: {
      const params = attribute(api, session, object, pkcs11.CKA_EC_PARAMS);
      const point = attribute(api, session, object, pkcs11.CKA_EC_POINT);
      if (!params || !point) return 'the EC public key has no CKA_EC_PARAMS or CKA_EC_POINT';
      let oid: string | undefined;
      try {
        oid = AsnConvert.parse(params, ECParameters).namedCurve;
      } catch {
        oid = undefined;
      }
      const crv = oid && EC_CURVES[oid];
      if (!crv) return `the EC key is on curve ${oid ?? '(not a named curve)'}; P-256, P-384 and P-521 are supported`;
      const raw = unwrapPoint(point, RAW_POINT_LENGTHS.has(point.length) && point[0] === 4);
      const size = (raw.length - 1) / 2;
      return createPublicKey({ key: { kty: 'EC', crv, x: raw.subarray(1, 1 + size).toString('base64url'), y: raw.subarray(1 + size).toString('base64url') }, format: 'jwk' });
    }
    case CKK_EC_EDWARDS: {
      const point = attribute(api, session, object, pkcs11.CKA_EC_POINT);
      if (!point) return 'the EdDSA public key has no CKA_EC_POINT';
      const raw = unwrapPoint(point, point.length === 32);
      if (raw.length !== 32) return 'the EdDSA key is not an Ed25519 key (Ed448 is not supported)';
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    }
    default:
      return `key type ${keyType ?? '(unknown)'} is not RSA, EC or EdDSA`;
  }
}

/** CKA_EC_POINT is a DER OCTET STRING by the standard; some tokens give the bare point. */
function unwrapPoint(point: Buffer, bare: boolean): Buffer {
  return bare ? point : Buffer.from(AsnConvert.parse(point, OctetString).buffer);
}

/** The X.509 certificate (CKO_CERTIFICATE) of the key pair, when the token holds one. */
export function certificateOf(api: pkcs11.PKCS11, session: pkcs11.Handle, selector: KeySelector): X509Certificate | undefined {
  const [object] = findObjects(api, session, selectorTemplate(pkcs11.CKO_CERTIFICATE, selector));
  const der = object && attribute(api, session, object, pkcs11.CKA_VALUE);
  return der ? new X509Certificate(der) : undefined;
}
