/**
 * Whether a SAML token this STS issued still verifies with the instance's signing key, for
 * `_action=validate` and introspection. It reads every form the provider issues: a bare
 * Assertion, an EncryptedAssertion, a samlp:Response around either, each as XML or base64. An
 * assertion signature goes through the same checks as incoming assertions
 * (validation-signature.ts), a Response signature through those of any signed root element
 * (enveloped-root-signature.ts), with our own public key in place of an IdP's.
 */
import type { Element } from '@xmldom/xmldom';
import type { RealmKey } from '../../plugin-api/token-contract';
import { verifiedOrFalse } from '../issued-token-check';
import { DS_NS, SAML_NS, SAMLP_NS } from './assertion-namespaces';
import { verifyRootSignature } from './enveloped-root-signature';
import { locateAssertion, textOnly, verifyAssertion } from './validation-signature';
import { childElements } from './xml-elements';
import { parseStrictXml } from './xml-safety';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function verifyIssuedAssertion(token: string, signingKey: RealmKey | undefined, issuer: string): Promise<boolean> {
  return verifiedOrFalse(() => {
    const xml = issuedXmlOf(token);
    if (xml === undefined) return false;
    const document = parseStrictXml(xml);
    const root = document.documentElement!;
    if (root.namespaceURI === SAMLP_NS && root.localName === 'Response') {
      if (!issuedBy(root, issuer)) return false;
      const signature = childElements(root, DS_NS, 'Signature');
      if (signature.length > 0) {
        if (!signingKey?.publicKey || signature.length > 1) return false;
        verifyRootSignature(document, signature[0], [signingKey.publicKey]);
      }
      const assertions = [...childElements(root, SAML_NS, 'Assertion'), ...childElements(root, SAML_NS, 'EncryptedAssertion')];
      if (assertions.length !== 1) return false;
      return assertions[0].localName === 'EncryptedAssertion' || assertionVerifies(xml, assertions[0], signingKey, issuer);
    }
    // Encrypted to the SP (we hold no key to open it) or issued unsigned: our keys have nothing
    // to check. The token store found the token by its hash, and that match vouches for it.
    if (root.namespaceURI === SAML_NS && root.localName === 'EncryptedAssertion') return true;
    if (root.namespaceURI !== SAML_NS || root.localName !== 'Assertion') return false;
    return assertionVerifies(xml, root, signingKey, issuer);
  });
}

/** The XML of a SAML token issued as XML text or as base64 of it; undefined for anything else. */
export function issuedXmlOf(token: string): string | undefined {
  const trimmed = token.trim();
  if (trimmed.startsWith('<')) return trimmed;
  if (!BASE64.test(trimmed)) return undefined;
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
  return decoded.startsWith('<') ? decoded : undefined;
}

function issuedBy(element: Element, issuer: string): boolean {
  const issuers = childElements(element, SAML_NS, 'Issuer');
  return issuers.length === 1 && textOnly(issuers[0], 'Issuer').trim() === issuer;
}

/** An unsigned assertion passes (the hash match vouches); a signed one must verify with our key. */
function assertionVerifies(xml: string, assertion: Element, signingKey: RealmKey | undefined, issuer: string): boolean {
  if (childElements(assertion, DS_NS, 'Signature').length === 0) return true;
  if (!signingKey?.publicKey) return false;
  const pending = locateAssertion(xml);
  verifyAssertion(pending, [signingKey.publicKey]);
  return pending.claimedIssuer === issuer;
}
