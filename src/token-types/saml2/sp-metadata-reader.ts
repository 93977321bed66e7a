/**
 * An SP's SAML metadata (saml-metadata 2.0) read into what the STS needs: entity ID, ACS
 * endpoints, certificates, NameID formats, requested attributes and signing flags. Untrusted
 * input: strict parse (no DTD), and when a signing certificate is configured, everything is read
 * from the copy its enveloped signature verified.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { X509Certificate } from 'node:crypto';
import { isStsError } from '../../errors/sts-errors';
import { DS_NS, HTTP_POST_BINDING, MD_NS, SAMLP_NS } from './assertion-namespaces';
import { rootSignatureOf, verifyRootSignature } from './enveloped-root-signature';
import { SignatureRefusedError } from './enveloped-signature';
import type { AssertionConsumerService, RequestedAttribute } from './service-provider';
import { childElements } from './xml-elements';
import type { SpEncryptionCertificate } from './xml-encryption';
import { parseStrictXml } from './xml-safety';

/** SP metadata is a few kilobytes; a federation aggregate is not what this reads. */
export const MAX_SP_METADATA_BYTES = 1024 * 1024;
const MIN_RSA_BITS = 2048;
const MAX_ENTITY_ID_LENGTH = 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why metadata is refused, in words fit for a configuration problem. */
export class SpMetadataError extends Error {}

export interface SpMetadata {
  readonly entityId: string;
  /** HTTP-POST endpoints: isDefault="true" first, then by index, then in document order. */
  readonly assertionConsumerServices: readonly AssertionConsumerService[];
  /** The first usable (RSA, 2048+ bits) certificate of a KeyDescriptor for encryption. */
  readonly encryptionCertificate?: SpEncryptionCertificate;
  /** Why no encryption certificate is usable, when there is none. */
  readonly encryptionCertificateProblem?: string;
  readonly signingCertificates: readonly X509Certificate[];
  readonly nameIdFormats: readonly string[];
  readonly requestedAttributes: readonly RequestedAttribute[];
  readonly authnRequestsSigned: boolean;
  readonly wantAssertionsSigned: boolean;
  /** The earliest validUntil of the descriptors read, when any states one. */
  readonly validUntil?: Date;
}

export interface ReadSpMetadataOptions {
  /** When set, the metadata must carry an enveloped signature on its root that verifies with this certificate. */
  readonly signer?: X509Certificate;
  readonly now: Date;
}

/** Reads metadata bytes; throws SpMetadataError saying what is wrong. */
export function readSpMetadata(bytes: Uint8Array, options: ReadSpMetadataOptions): SpMetadata {
  if (bytes.byteLength > MAX_SP_METADATA_BYTES) throw new SpMetadataError(`larger than ${MAX_SP_METADATA_BYTES} bytes`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new SpMetadataError('not UTF-8 text');
  }
  const document = parse(text);
  const root = options.signer ? verified(document, options.signer) : document.documentElement!;

  if (root.namespaceURI !== MD_NS || (root.localName !== 'EntityDescriptor' && root.localName !== 'EntitiesDescriptor')) {
    throw new SpMetadataError(`its root element is ${root.localName}, not md:EntityDescriptor`);
  }
  const [entity, groups] = root.localName === 'EntityDescriptor' ? [root, []] : onlyServiceProvider(root);
  const entityId = entity.getAttribute('entityID') ?? '';
  if (entityId.trim() === '' || entityId.length > MAX_ENTITY_ID_LENGTH) throw new SpMetadataError('the EntityDescriptor has no usable entityID');

  const sp = childElements(entity, MD_NS, 'SPSSODescriptor').find(supportsSaml2);
  if (!sp) throw new SpMetadataError(`${entityId} has no SPSSODescriptor for SAML 2.0 (protocolSupportEnumeration ${SAMLP_NS})`);
  const validUntil = earliestValidUntil([...groups, entity, sp], options.now);

  const encryption = encryptionCertificateOf(certificatesFor(sp, 'encryption'));
  const signingCertificates = certificatesFor(sp, 'signing');
  const authnRequestsSigned = booleanAttribute(sp, 'AuthnRequestsSigned');
  if (authnRequestsSigned && signingCertificates.length === 0) {
    throw new SpMetadataError('AuthnRequestsSigned is true but no KeyDescriptor gives a signing certificate to check the requests with');
  }
  return {
    entityId,
    assertionConsumerServices: assertionConsumerServicesOf(sp),
    ...encryption,
    signingCertificates,
    nameIdFormats: childElements(sp, MD_NS, 'NameIDFormat')
      .map((element) => (element.textContent ?? '').trim())
      .filter((format) => format !== ''),
    requestedAttributes: requestedAttributesOf(sp),
    authnRequestsSigned,
    wantAssertionsSigned: booleanAttribute(sp, 'WantAssertionsSigned'),
    validUntil,
  };
}

function parse(text: string): Document {
  try {
    return parseStrictXml(text);
  } catch (error) {
    if (!isStsError(error)) throw error;
    if (error.code === 'saml_dtd_forbidden') throw new SpMetadataError('it contains a DOCTYPE or other markup declaration, which is never accepted');
    throw new SpMetadataError(`not well-formed XML${parserReason(error.cause)}`);
  }
}

/** The parser's own words: ` (unclosed xml tag(s): md:EntityDescriptor)`. */
function parserReason(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const line = cause.message.split('\n')[0];
  // xmldom wraps the handler's error: `Reporting fatalError "..." caused Error: fatalError: <reason>`.
  return ` (${/(?:fatalError|error|warning): (.*)$/.exec(line)?.[1] ?? line})`;
}

/** The root as its signature covers it, verified with the configured certificate only. */
function verified(document: Document, signer: X509Certificate): Element {
  try {
    const signature = rootSignatureOf(document);
    if (!signature) throw new SignatureRefusedError('it is not signed, and saml2.sp_metadata.certificate_file requires a signature');
    return verifyRootSignature(document, signature, [signer.publicKey]);
  } catch (error) {
    if (error instanceof SignatureRefusedError) throw new SpMetadataError(`signature refused: ${error.message}`);
    throw error;
  }
}

/** An EntitiesDescriptor is read only when exactly one EntityDescriptor in it describes an SP. */
function onlyServiceProvider(root: Element): [Element, Element[]] {
  const found: Array<[Element, Element[]]> = [];
  const visit = (group: Element, path: Element[]) => {
    for (const entity of childElements(group, MD_NS, 'EntityDescriptor')) {
      if (childElements(entity, MD_NS, 'SPSSODescriptor').length > 0) found.push([entity, path]);
    }
    for (const nested of childElements(group, MD_NS, 'EntitiesDescriptor')) visit(nested, [...path, nested]);
  };
  visit(root, [root]);
  if (found.length !== 1) {
    throw new SpMetadataError(`the EntitiesDescriptor describes ${found.length} service providers; name exactly one (an EntityDescriptor)`);
  }
  return found[0];
}

function supportsSaml2(descriptor: Element): boolean {
  return (descriptor.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAMLP_NS);
}

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;

function earliestValidUntil(elements: readonly Element[], now: Date): Date | undefined {
  let earliest: Date | undefined;
  for (const element of elements) {
    const value = element.getAttribute('validUntil');
    if (!value) continue;
    // xs:dateTime without a zone: SAML times are UTC.
    const time = DATE_TIME.test(value) ? Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(value) ? value : `${value}Z`) : NaN;
    if (Number.isNaN(time)) throw new SpMetadataError(`the ${element.localName}'s validUntil "${value}" is not a date and time`);
    if (time <= now.getTime()) throw new SpMetadataError(`expired: the ${element.localName}'s validUntil ${value} has passed`);
    if (!earliest || time < earliest.getTime()) earliest = new Date(time);
  }
  return earliest;
}

function booleanAttribute(element: Element, name: string): boolean {
  const value = (element.getAttribute(name) ?? '').trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new SpMetadataError(`${element.localName}/@${name} "${value}" is not a boolean`);
}

function indexOf(element: Element): number | undefined {
  const value = element.getAttribute('index');
  if (value === null || value === '') return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new SpMetadataError(`${element.localName}/@index "${value}" is not an unsigned short`);
  return Number(value);
}

/** isDefault="true" first, then the lowest index (none last), then document order. */
function byPreference<T extends { readonly isDefault: boolean; readonly index?: number; readonly order: number }>(a: T, b: T): number {
  if (a.isDefault !== b.isDefault) return a.isDefault ? -1 : 1;
  const ai = a.index ?? Number.POSITIVE_INFINITY;
  const bi = b.index ?? Number.POSITIVE_INFINITY;
  return ai !== bi ? ai - bi : a.order - b.order;
}

function assertionConsumerServicesOf(sp: Element): AssertionConsumerService[] {
  const services = childElements(sp, MD_NS, 'AssertionConsumerService')
    .filter((element) => element.getAttribute('Binding') === HTTP_POST_BINDING)
    .map((element, order) => {
      const url = element.getAttribute('Location') ?? '';
      if (!isHttpUrl(url)) throw new SpMetadataError(`AssertionConsumerService Location "${url}" is not an http(s) URL`);
      return { url, binding: HTTP_POST_BINDING, index: indexOf(element), isDefault: booleanAttribute(element, 'isDefault'), order };
    })
    .sort(byPreference);
  if (services.length === 0) throw new SpMetadataError(`no AssertionConsumerService with the HTTP-POST binding (${HTTP_POST_BINDING})`);
  return services.map(({ url, binding, index }) => (index === undefined ? { url, binding } : { url, binding, index }));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The certificates of KeyDescriptors for `use` (a KeyDescriptor without use serves both). */
function certificatesFor(sp: Element, use: 'encryption' | 'signing'): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const descriptor of childElements(sp, MD_NS, 'KeyDescriptor')) {
    const declared = descriptor.getAttribute('use') ?? '';
    if (declared !== '' && declared !== 'encryption' && declared !== 'signing') {
      throw new SpMetadataError(`KeyDescriptor use "${declared}" is neither signing nor encryption`);
    }
    if (declared !== '' && declared !== use) continue;
    for (const keyInfo of childElements(descriptor, DS_NS, 'KeyInfo')) {
      for (const data of childElements(keyInfo, DS_NS, 'X509Data')) {
        for (const element of childElements(data, DS_NS, 'X509Certificate')) certificates.push(certificateOf(element));
      }
    }
  }
  return certificates;
}

function certificateOf(element: Element): X509Certificate {
  const base64 = (element.textContent ?? '').replace(/\s+/g, '');
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new Error('not base64');
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    throw new SpMetadataError('a KeyDescriptor has an X509Certificate that is not a DER certificate in base64');
  }
}

function encryptionCertificateOf(candidates: readonly X509Certificate[]): Pick<SpMetadata, 'encryptionCertificate' | 'encryptionCertificateProblem'> {
  if (candidates.length === 0) return { encryptionCertificateProblem: 'the SP metadata has no KeyDescriptor for encryption' };
  const problems: string[] = [];
  for (const certificate of candidates) {
    const key = certificate.publicKey;
    if (key.asymmetricKeyType !== 'rsa') {
      problems.push(`${certificate.subject.replace(/\n/g, ', ')} has a ${key.asymmetricKeyType} key; XML encryption needs RSA`);
      continue;
    }
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      problems.push(`${certificate.subject.replace(/\n/g, ', ')} has an RSA-${bits} key; at least ${MIN_RSA_BITS} bits are needed`);
      continue;
    }
    return { encryptionCertificate: { certificatePem: certificate.toString(), publicKeyPem: key.export({ type: 'spki', format: 'pem' }) as string } };
  }
  return { encryptionCertificateProblem: `the SP metadata's encryption certificates are not usable: ${problems.join('; ')}` };
}

/** The RequestedAttributes of the default AttributeConsumingService (same preference as ACS). */
function requestedAttributesOf(sp: Element): RequestedAttribute[] {
  const services = childElements(sp, MD_NS, 'AttributeConsumingService')
    .map((element, order) => ({ element, index: indexOf(element), isDefault: booleanAttribute(element, 'isDefault'), order }))
    .sort(byPreference);
  if (services.length === 0) return [];
  return childElements(services[0].element, MD_NS, 'RequestedAttribute').map((element) => {
    const name = element.getAttribute('Name') ?? '';
    if (name.trim() === '') throw new SpMetadataError('a RequestedAttribute has no Name');
    const nameFormat = element.getAttribute('NameFormat') || undefined;
    const friendlyName = element.getAttribute('FriendlyName') || undefined;
    return { name, ...(nameFormat && { nameFormat }), ...(friendlyName && { friendlyName }), required: booleanAttribute(element, 'isRequired') };
  });
}
