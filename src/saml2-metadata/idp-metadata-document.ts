/**
 * The SAML 2.0 metadata of an identity provider (saml-metadata-2.0-os 2.3.2, 2.4.3): an
 * md:EntityDescriptor holding one md:IDPSSODescriptor, built with the DOM API from facts the
 * caller gathered (idp-metadata.ts). Element order is the schema's: KeyDescriptor, NameIDFormat,
 * SingleSignOnService.
 */
import { DOMImplementation, XMLSerializer, type Element } from '@xmldom/xmldom';
import type { X509Certificate } from 'node:crypto';
import { DS_NS, HTTP_POST_BINDING, HTTP_REDIRECT_BINDING, MD_NS, SAMLP_NS, XMLNS_NS } from '../token-types/saml2/assertion-namespaces';

/** A certificate published in a KeyDescriptor, with the kid of its key (its KeyName). */
export interface PublishedCertificate {
  readonly kid: string;
  readonly certificate: X509Certificate;
}

export interface IdpMetadataFacts {
  readonly entityId: string;
  /** The EntityDescriptor's xs:ID (what its signature references). */
  readonly id: string;
  readonly validUntil: Date;
  readonly cacheDurationSeconds: number;
  /** use="signing": the active key first, then the others published during a rollover. */
  readonly signing: readonly PublishedCertificate[];
  /** use="encryption": the key SPs encrypt to. */
  readonly encryption?: PublishedCertificate;
  readonly nameIdFormats: readonly string[];
  readonly singleSignOnUrl: string;
  /** WantAuthnRequestsSigned="true": the AuthnRequests the instance answers must be signed. */
  readonly wantAuthnRequestsSigned: boolean;
}

/** The metadata document as XML text (without an XML declaration). */
export function idpMetadataXml(facts: IdpMetadataFacts): string {
  const doc = new DOMImplementation().createDocument(MD_NS, 'md:EntityDescriptor', null);
  const root = doc.documentElement!;
  root.setAttributeNS(XMLNS_NS, 'xmlns:md', MD_NS);
  root.setAttributeNS(XMLNS_NS, 'xmlns:ds', DS_NS);
  root.setAttribute('entityID', facts.entityId);
  root.setAttribute('ID', facts.id);
  root.setAttribute('validUntil', xsDateTime(facts.validUntil));
  root.setAttribute('cacheDuration', `PT${facts.cacheDurationSeconds}S`);

  const idp = append(root, MD_NS, 'md:IDPSSODescriptor');
  // Left out when false (the schema's default).
  if (facts.wantAuthnRequestsSigned) idp.setAttribute('WantAuthnRequestsSigned', 'true');
  idp.setAttribute('protocolSupportEnumeration', SAMLP_NS);
  for (const published of facts.signing) appendKeyDescriptor(idp, 'signing', published);
  if (facts.encryption) appendKeyDescriptor(idp, 'encryption', facts.encryption);
  for (const format of facts.nameIdFormats) append(idp, MD_NS, 'md:NameIDFormat', format);
  for (const binding of [HTTP_REDIRECT_BINDING, HTTP_POST_BINDING]) {
    const service = append(idp, MD_NS, 'md:SingleSignOnService');
    service.setAttribute('Binding', binding);
    service.setAttribute('Location', facts.singleSignOnUrl);
  }
  return new XMLSerializer().serializeToString(doc);
}

function appendKeyDescriptor(parent: Element, use: 'signing' | 'encryption', { kid, certificate }: PublishedCertificate): void {
  const descriptor = append(parent, MD_NS, 'md:KeyDescriptor');
  descriptor.setAttribute('use', use);
  const keyInfo = append(descriptor, DS_NS, 'ds:KeyInfo');
  append(keyInfo, DS_NS, 'ds:KeyName', kid);
  append(append(keyInfo, DS_NS, 'ds:X509Data'), DS_NS, 'ds:X509Certificate', certificate.raw.toString('base64'));
}

/** A new child element of `parent`, with `text` when given. */
function append(parent: Element, namespace: string, qualifiedName: string, text?: string): Element {
  const doc = parent.ownerDocument!;
  const element = doc.createElementNS(namespace, qualifiedName);
  if (text !== undefined) element.appendChild(doc.createTextNode(text));
  parent.appendChild(element);
  return element;
}

/** xs:dateTime in UTC, whole seconds (saml-core 1.3.3). */
function xsDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
