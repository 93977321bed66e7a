/**
 * EncryptedID and EncryptedAttribute inside a verified assertion (saml-core 2.2.4, 2.7.3.2): the
 * IdP signed the ciphertext, so it is opened only after the signature verified, and each part is
 * replaced by its plaintext NameID or Attribute before the assertion is read. Without a
 * decryption key they are refused, never skipped: an identity read around them would be incomplete.
 */
import type { Element } from '@xmldom/xmldom';
import { InvalidTokenError } from '../../errors/sts-errors';
import type { RealmKey } from '../../plugin-api/token-contract';
import { NS } from './validation-signature';
import { childElements } from './xml-elements';
import { decryptElement, encryptedWithoutKey } from './validation-decryption';
import { parseStrictXml } from './xml-safety';

/** The encrypted parts read by validation-assertion.ts, and what each must decrypt to. */
function encryptedParts(assertion: Element): Array<[Element, string]> {
  const parts: Array<[Element, string]> = [];
  for (const subject of childElements(assertion, NS.ASSERTION, 'Subject')) {
    for (const id of childElements(subject, NS.ASSERTION, 'EncryptedID')) parts.push([id, 'NameID']);
  }
  for (const statement of childElements(assertion, NS.ASSERTION, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.ASSERTION, 'EncryptedAttribute')) parts.push([attribute, 'Attribute']);
  }
  return parts;
}

/** Replaces, in the verified `assertion`, each EncryptedID and EncryptedAttribute by its plaintext. */
export async function decryptSignedParts(assertion: Element, key: RealmKey | undefined): Promise<void> {
  for (const [wrapper, expected] of encryptedParts(assertion)) {
    const what = wrapper.localName!;
    if (!key) throw encryptedWithoutKey(what);
    // The signature covered the ciphertext: a CBC plaintext is what the IdP encrypted.
    const { plaintext } = await decryptElement(wrapper, key, what);
    const element = parseStrictXml(plaintext).documentElement!;
    if (element.namespaceURI !== NS.ASSERTION || element.localName !== expected) {
      throw new InvalidTokenError(`The ${what} does not hold a saml:${expected}.`, { code: 'saml_assertion_invalid' });
    }
    wrapper.parentNode!.replaceChild(assertion.ownerDocument!.importNode(element, true), wrapper);
  }
}
