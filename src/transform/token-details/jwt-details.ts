/**
 * What an ID token or access token this instance issued says: its claims, read after the
 * provider's own check (signature with current or retiring keys, issuer). A JWE is opened with
 * the instance's realm key when it has one; a token encrypted to a partner cannot be read here.
 */
import { compactDecrypt, decodeJwt, decodeProtectedHeader } from 'jose';
import type { JsonObject, JsonValue } from '../../plugin-api/json';
import type { StsRealmContext } from '../../plugin-api/token-contract';
import type { EncryptionConfig } from '../../realms/schema/encryption-config';
import { issuingKey } from '../../token-types/issued-jwt-verification';
import { malformedToken, notIssuedHere, notReadable } from './token-details-errors';

export interface JwtIssuance {
  readonly signingKey: string;
  readonly encryption?: EncryptionConfig;
  readonly issuerMatches: (iss: JsonValue | undefined) => boolean;
}

const COMPACT_PART = /^[A-Za-z0-9_-]*$/;

/** The signed JWT inside `token` (decrypted when it is a JWE the instance can open). */
export async function signedJwtOf(token: string, realm: StsRealmContext, issuance: JwtIssuance): Promise<string> {
  const parts = token.split('.');
  if (!(parts.length === 3 || parts.length === 5) || !parts.every((part) => COMPACT_PART.test(part))) throw malformedToken('compact JWT (JWS or JWE)');
  if (parts.length === 3) return token;
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw malformedToken('JWE');
  }
  const keyName = issuance.encryption?.key;
  if (!issuance.encryption) throw notIssuedHere('it is encrypted, and this instance does not encrypt these tokens');
  if (!keyName) throw notReadable('it is encrypted to a partner\'s public key, which only the partner can open');
  const key = issuingKey(realm, keyName, header.kid, 'enc');
  if (!key) throw notIssuedHere('it is encrypted to a key this instance does not use');
  try {
    const { plaintext } = await compactDecrypt(token, key.privateKey!, {
      keyManagementAlgorithms: [issuance.encryption.algorithm],
      contentEncryptionAlgorithms: [issuance.encryption.content_encryption],
    });
    return new TextDecoder().decode(plaintext);
  } catch {
    throw notIssuedHere('it does not decrypt with this instance\'s key');
  }
}

/** The claims of a signed JWT; refuses one that names another issuer or signing key before any signature check. */
export function jwtClaimsOf(jws: string, realm: StsRealmContext, issuance: JwtIssuance): JsonObject {
  let claims: JsonObject;
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(jws).kid;
    claims = decodeJwt(jws) as JsonObject;
  } catch {
    throw malformedToken('signed JWT');
  }
  if (!issuance.issuerMatches(claims.iss)) throw notIssuedHere(`its issuer ${JSON.stringify(String(claims.iss).slice(0, 200))} is not this instance's`);
  if (!issuingKey(realm, issuance.signingKey, kid, 'sig')) throw notIssuedHere('it names a signing key this instance does not use');
  return claims;
}
