/**
 * Whether an assertion this STS issued still verifies with the instance's signing key, for
 * `_action=validate` and introspection. The signature goes through the same checks as incoming
 * assertions (validation-signature.ts), with our own public key in place of an IdP's.
 */
import type { RealmKey } from '../../plugin-api/token-contract';
import { verifiedOrFalse } from '../issued-token-check';
import { DS_NS, SAML_NS } from './assertion-namespaces';
import { childElements, locateAssertion, verifyAssertion } from './validation-signature';
import { parseStrictXml } from './xml-safety';

export function verifyIssuedAssertion(xml: string, signingKey: RealmKey | undefined, issuer: string): Promise<boolean> {
  return verifiedOrFalse(() => {
    const root = parseStrictXml(xml).documentElement!;
    // Encrypted to the SP (we hold no key to open it) or issued unsigned: our keys have nothing
    // to check. The token store found the token by its hash, and that match vouches for it.
    if (root.namespaceURI === SAML_NS && root.localName === 'EncryptedAssertion') return true;
    if (root.namespaceURI !== SAML_NS || root.localName !== 'Assertion') return false;
    if (childElements(root, DS_NS, 'Signature').length === 0) return true;
    if (!signingKey?.publicKey) return false;
    const pending = locateAssertion(xml);
    verifyAssertion(xml, pending, [signingKey.publicKey]);
    return pending.claimedIssuer === issuer;
  });
}
