/**
 * The enveloped signature of a whole document (an SP's metadata, an AuthnRequest, a Response we
 * issued): one ds:Signature, a child of the root, with one Reference to the root's own ID, held to
 * the rules of enveloped-signature.ts. The caller gets the root as xml-crypto verified it.
 */
import type { Document, Element } from '@xmldom/xmldom';
import type { KeyObject } from 'node:crypto';
import { DS_NS } from './assertion-namespaces';
import { checkSignatureShape, SignatureRefusedError, signedIdOf, verifySignedElement } from './enveloped-signature';
import { childElements, elementsOf } from './xml-elements';

/**
 * The root's signature, or undefined when the document has none. Any ds:Signature elsewhere, or
 * several on the root, refuses the document: there is exactly one place a signature can be.
 */
export function rootSignatureOf(document: Document): Element | undefined {
  const root = document.documentElement!;
  const signatures = elementsOf(root).filter((element) => element.namespaceURI === DS_NS && element.localName === 'Signature');
  if (signatures.length === 0) return undefined;
  const own = childElements(root, DS_NS, 'Signature');
  if (signatures.length > 1 || own.length !== 1) {
    throw new SignatureRefusedError(`The document must carry exactly one signature, on its root element; it has ${signatures.length}.`);
  }
  return own[0];
}

/**
 * Verifies `signature` (from rootSignatureOf) with each of `keys` of the signature method's family
 * and returns the root exactly as signed. Throws SignatureRefusedError when nothing verifies.
 */
export function verifyRootSignature(document: Document, signature: Element, keys: readonly KeyObject[]): Element {
  const root = document.documentElement!;
  const name = root.localName ?? 'root element';
  // Metadata and AuthnRequests: some SP software signs with inclusive canonicalization.
  checkSignatureShape(signature, signedIdOf(root, name), { name, inclusiveC14n: true });
  const signed = verifySignedElement(signature, root, keys, name);
  if (!signed) throw new SignatureRefusedError(`The ${name}'s signature does not verify with the configured certificate(s).`);
  return signed;
}
