/**
 * Whether a JWT this STS issued (an ID token or an access token, maybe nested in a JWE) still
 * verifies with the realm's current keys, for `_action=validate` and introspection. Expiry is
 * not checked: the token store decides that. Only the realm's KeyObjects, imported at load, are
 * used (jose caches their WebCrypto form per key).
 */
import type { KeyObject } from 'node:crypto';
import { compactDecrypt, compactVerify, decodeProtectedHeader } from 'jose';
import { JWS_ALGORITHM_NAMES, keyProblemForAlgorithm } from '../keys/jws-algorithms';
import type { JsonValue } from '../plugin-api/json';
import type { RealmKey, StsRealmContext } from '../plugin-api/token-contract';
import type { EncryptionConfig } from '../realms/schema/encryption-config';
import { verifiedOrFalse } from './issued-token-check';

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
  const key = issuingKey(realm, expected.signingKey, decodeProtectedHeader(jws).kid, 'sig');
  if (!key) return false;
  // Only algorithms the key suits: a token cannot pick HMAC with a public key, or `none`.
  const algorithms = JWS_ALGORITHM_NAMES.filter((alg) => keyProblemForAlgorithm(alg, key) === undefined);
  const { payload } = await compactVerify(jws, verificationKey(key), { algorithms });
  const claims: unknown = JSON.parse(decoder.decode(payload));
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return false;
  return expected.issuerMatches((claims as Record<string, JsonValue>).iss);
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
