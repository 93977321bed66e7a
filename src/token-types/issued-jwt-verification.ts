/**
 * Whether a JWT this STS issued (an ID token or an access token, maybe nested in a JWE) still
 * verifies with the realm's current keys, for `_action=validate` and introspection. Expiry is
 * not checked: the token store decides that. Only the realm's KeyObjects, imported at load, are
 * used. The signature is checked with `node:crypto` as input JWTs are (about half the CPU of
 * jose's WebCrypto path); a JWE is opened by jose.
 */
import type { KeyObject } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { isJwsAlgorithm, keyProblemForAlgorithm } from '../keys/jws-algorithms';
import { verifyJws } from '../keys/jws-signature';
import type { JsonValue } from '../plugin-api/json';
import type { RealmKey, StsRealmContext } from '../plugin-api/token-contract';
import type { EncryptionConfig } from '../realms/schema/encryption-config';
import { verifiedOrFalse } from './issued-token-check';
import { readableParts } from './jwt-input/signature-verification';

export interface IssuedJwtExpectations {
  /** The instance's `signing_key` (a kid, or the name of a rotating key). */
  readonly signingKey: string;
  readonly encryption?: EncryptionConfig;
  /** Whether the payload's `iss` is the one the instance issues with. */
  readonly issuerMatches: (iss: JsonValue | undefined) => boolean;
}

const decoder = new TextDecoder();

export function verifyIssuedJwt(token: string, realm: StsRealmContext, expected: IssuedJwtExpectations): Promise<boolean> {
  return verifiedOrFalse(async () => {
    if (token.split('.').length !== 5) return verifySignedJwt(token, realm, expected);
    const header = decodeProtectedHeader(token);
    const encryption = expected.encryption;
    // Encrypted to a partner's public key: only the partner can open it. The token store found
    // the token by its hash, and that match is what vouches for it here.
    if (!encryption?.key) return typeof header.alg === 'string' && typeof header.enc === 'string';
    const key = issuingKey(realm, encryption.key, header.kid, 'enc');
    if (!key) return false;
    const { plaintext } = await compactDecrypt(token, key.privateKey!, {
      keyManagementAlgorithms: [encryption.algorithm],
      contentEncryptionAlgorithms: [encryption.content_encryption],
    });
    return verifySignedJwt(decoder.decode(plaintext), realm, expected);
  });
}

async function verifySignedJwt(jws: string, realm: StsRealmContext, expected: IssuedJwtExpectations): Promise<boolean> {
  const parts = readableParts(jws);
  const header = parts && jsonObject(parts[0]);
  // The STS writes no crit: a header asking for an extension is not one it issued (jose refuses
  // any crit it was not told of; b64 means nothing outside crit, RFC 7797).
  if (!parts || !header || header.crit !== undefined) return false;
  const key = issuingKey(realm, expected.signingKey, header.kid, 'sig');
  const alg = header.alg;
  // Only an algorithm the key suits: a token cannot pick HMAC with a public key, or `none`.
  if (!key || typeof alg !== 'string' || !isJwsAlgorithm(alg) || keyProblemForAlgorithm(alg, key) !== undefined) return false;
  const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
  if (!(await verifyJws(alg, verificationKey(key), signingInput, Buffer.from(parts[2], 'base64url')))) return false;
  const claims = jsonObject(parts[1]);
  return claims !== undefined && expected.issuerMatches(claims.iss as JsonValue | undefined);
}

/** A base64url segment holding one JSON object; undefined for any other JSON (a parse error throws). */
function jsonObject(segment: string): Record<string, unknown> | undefined {
  const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The realm key a token's `kid` names, when this instance may have used it: the configured key,
 * a version of it when it rotates, or a key retired by a rollover (still published until its
 * tokens expire). Without `kid`, the configured key.
 */
export function issuingKey(realm: StsRealmContext, configured: string, kid: unknown, use: RealmKey['use']): RealmKey | undefined {
  const current = realm.keys.get(configured);
  let key: RealmKey | undefined;
  if (kid === undefined || kid === current?.kid) key = current;
  else if (typeof kid === 'string') {
    const named = realm.keys.get(kid);
    key = isVersionOf(kid, configured) || named?.retiredAt ? named : undefined;
  }
  return key?.use === use ? key : undefined;
}

/** `name.v<n>`: how a rotating key's versions are named (key-ring-store.ts). */
function isVersionOf(kid: string, name: string): boolean {
  return kid.startsWith(`${name}.v`) && /^\d+$/.test(kid.slice(name.length + 2));
}

function verificationKey(key: RealmKey): KeyObject {
  return key.family === 'oct' ? key.privateKey! : key.publicKey!;
}
