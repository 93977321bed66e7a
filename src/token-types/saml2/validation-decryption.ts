/**
 * Opens XML-encrypted SAML content (EncryptedAssertion, EncryptedID, EncryptedAttribute) with the
 * instance's decryption key (`saml2_validation.decryption_key`), using the xml-encryption library.
 * The structure and every algorithm are checked before any private-key operation: one
 * EncryptedData, one EncryptedKey, RSA-OAEP key transport only (RSA PKCS#1 v1.5 is open to
 * Bleichenbacher's attack), AES-GCM or AES-CBC content. Every failure of the decryption itself is
 * one code and one message, so an answer tells nothing about keys or padding.
 */
import type { Element } from '@xmldom/xmldom';
import { InvalidTokenError } from '../../errors/sts-errors';
import type { RealmKey, RealmKeyResolver } from '../../plugin-api/token-contract';
import { NS } from './validation-signature';
import { childElements } from './xml-elements';

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const XENC11 = 'http://www.w3.org/2009/xmlenc11#';
const MIN_RSA_BITS = 2048;

/** Content encryption: GCM authenticates the ciphertext, CBC does not (see `authenticated`). */
const GCM = new Set([`${XENC11}aes128-gcm`, `${XENC11}aes256-gcm`]);
const CBC = new Set([`${XENC}aes128-cbc`, `${XENC}aes256-cbc`]);
const KEY_TRANSPORT = new Set([`${XENC}rsa-oaep-mgf1p`, `${XENC11}rsa-oaep`]);
/** What xml-encryption reads as the OAEP digest; it would take any other value for SHA-1. */
const OAEP_DIGESTS = new Set([`${NS.DSIG}sha1`, `${XENC}sha256`, `${XENC}sha512`]);
const MGF1 = new Set(['sha1', 'sha224', 'sha256', 'sha384', 'sha512'].map((hash) => `${XENC11}mgf1${hash}`));
/** Known and broken: RSA PKCS#1 v1.5 key transport (Bleichenbacher), 3DES (64-bit blocks). */
const WEAK = new Set([`${XENC}rsa-1_5`, `${XENC}tripledes-cbc`]);

interface XmlEncDecryptOptions {
  key: string;
  disallowDecryptionWithInsecureAlgorithm: boolean;
  warnInsecureAlgorithm: boolean;
}
interface XmlEncLibrary {
  decrypt(encrypted: Element, options: XmlEncDecryptOptions, callback: (error: Error | null, result?: string) => void): void;
}
// xml-encryption ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xmlenc = require('xml-encryption') as XmlEncLibrary;

export interface Decrypted {
  readonly plaintext: string;
  /**
   * True for AES-GCM: a changed ciphertext fails the decryption itself. False for AES-CBC, where
   * a changed ciphertext decrypts to other bytes, so what follows must not tell how they read.
   */
  readonly authenticated: boolean;
}

/** Why the key `kid` cannot decrypt SAML input, or undefined when it can. */
export function decryptionKeyProblem(kid: string, realm: { readonly path: string; readonly keys: RealmKeyResolver }): string | undefined {
  const key = realm.keys.get(kid);
  if (!key) return `no key "${kid}" in realm ${realm.path}`;
  if (key.use !== 'enc') return `key "${kid}" has use "${key.use}"; decryption needs a key with use "enc"`;
  if (key.family !== 'RSA') return `key "${kid}" is a ${key.family} key; XML decryption uses RSA-OAEP key transport and needs an RSA key`;
  if ((key.modulusBits ?? 0) < MIN_RSA_BITS) return `key "${kid}" is RSA-${key.modulusBits}; at least ${MIN_RSA_BITS} bits are needed`;
  return undefined;
}

/** The refusal of encrypted content when the instance has no decryption key. */
export function encryptedWithoutKey(what: string): InvalidTokenError {
  return new InvalidTokenError(
    `The document contains an ${what}, and this instance has no decryption key: set saml2_validation.decryption_key ` +
      'to the kid of a realm RSA key with use "enc", and give its certificate to the IdP as the encryption certificate.',
    { code: 'saml_assertion_encrypted' },
  );
}

/**
 * One refusal for every decryption failure and, for AES-CBC, for whatever the plaintext turned
 * out to be: the message must not vary with the plaintext.
 */
export function decryptionFailed(what: string): InvalidTokenError {
  return new InvalidTokenError(
    `The ${what} was refused: it cannot be decrypted with this instance's decryption key, or (AES-CBC) it does not hold ` +
      'an assertion signed by a trusted IdP. No more detail is given, so that the answer reveals nothing about the content.',
    { code: 'saml_decryption_failed' },
  );
}

function unsupported(message: string): InvalidTokenError {
  return new InvalidTokenError(message, { code: 'saml_encryption_unsupported' });
}

function algorithmOf(method: Element, accepted: ReadonlySet<string>, what: string): string {
  const algorithm = method.getAttribute('Algorithm') ?? '';
  if (accepted.has(algorithm)) return algorithm;
  if (WEAK.has(algorithm)) {
    throw new InvalidTokenError(`The ${what} algorithm ${algorithm} is not safe and is never accepted; use RSA-OAEP with AES-GCM.`, {
      code: 'saml_weak_algorithm',
    });
  }
  throw unsupported(`The ${what} algorithm ${JSON.stringify(algorithm.slice(0, 200))} is not supported.`);
}

function exactlyOne(parent: Element, namespace: string, localName: string, what: string): Element {
  const found = childElements(parent, namespace, localName);
  if (found.length !== 1) throw unsupported(`The ${what} must have exactly one ${localName}; it has ${found.length}.`);
  return found[0];
}

/** One EncryptedData of a whole element, one EncryptedKey, accepted algorithms only; returns the content algorithm. */
function checkStructure(wrapper: Element, what: string): string {
  const data = exactlyOne(wrapper, XENC, 'EncryptedData', what);
  if (wrapper.getElementsByTagNameNS(XENC, 'EncryptedData').length !== 1) throw unsupported(`The ${what} holds nested EncryptedData.`);
  const type = data.getAttribute('Type');
  if (type !== null && type !== `${XENC}Element`) throw unsupported(`The ${what} must encrypt a whole element (Type ${XENC}Element).`);
  const dataAlgorithm = algorithmOf(exactlyOne(data, XENC, 'EncryptionMethod', 'EncryptedData'), new Set([...GCM, ...CBC]), 'content encryption');
  exactlyOne(exactlyOne(data, XENC, 'CipherData', 'EncryptedData'), XENC, 'CipherValue', 'CipherData');

  // Beside the EncryptedData (SAML's usual place) or in its KeyInfo: one, so it is the one used.
  const keys = wrapper.getElementsByTagNameNS(XENC, 'EncryptedKey');
  if (keys.length !== 1) throw unsupported(`The ${what} must carry exactly one EncryptedKey; it carries ${keys.length}.`);
  const encryptedKey = keys[0]!;
  const keyMethod = exactlyOne(encryptedKey, XENC, 'EncryptionMethod', 'EncryptedKey');
  const transport = algorithmOf(keyMethod, KEY_TRANSPORT, 'key transport');
  for (const digest of childElements(keyMethod, NS.DSIG, 'DigestMethod')) algorithmOf(digest, OAEP_DIGESTS, 'RSA-OAEP digest');
  const mgf = childElements(keyMethod, XENC11, 'MGF');
  if (mgf.length > 0 && transport !== `${XENC11}rsa-oaep`) throw unsupported(`An MGF is only allowed with ${XENC11}rsa-oaep.`);
  for (const function_ of mgf) algorithmOf(function_, MGF1, 'RSA-OAEP mask generation');
  exactlyOne(exactlyOne(encryptedKey, XENC, 'CipherData', 'EncryptedKey'), XENC, 'CipherValue', 'CipherData');
  return dataAlgorithm;
}

/**
 * Decrypts `wrapper` (a saml:EncryptedAssertion, EncryptedID or EncryptedAttribute) and returns
 * the plaintext, not yet parsed. `what` names it in messages.
 */
export async function decryptElement(wrapper: Element, key: RealmKey, what: string): Promise<Decrypted> {
  const dataAlgorithm = checkStructure(wrapper, what);
  const plaintext = await new Promise<string>((resolve, reject) => {
    xmlenc.decrypt(
      wrapper,
      {
        // PEM: xml-encryption's own OAEP code (OAEP and MGF1 digests differing) reads no KeyObject.
        key: key.privateKey!.export({ type: 'pkcs8', format: 'pem' }) as string,
        // The library counts AES-CBC as insecure; the algorithms were checked above, and what
        // follows a CBC decryption answers uniformly (see `authenticated`).
        disallowDecryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (error, result) => (error || typeof result !== 'string' ? reject(decryptionFailed(what)) : resolve(result)),
    );
  });
  return { plaintext, authenticated: GCM.has(dataAlgorithm) };
}
