/**
 * The identity provider metadata of an instance that issues SAML2 (`GET /saml2{P}/metadata`),
 * from its configuration only (never from the request):
 * - entityID: `saml2.issuer`; validUntil and cacheDuration: `saml2.metadata`;
 * - signing KeyDescriptors: the certificate of `saml2.signing_key` and, while a rotating key rolls
 *   over, of its other published versions (pending and retiring), the signing one first;
 * - an encryption KeyDescriptor: the certificate of `saml2_validation.decryption_key`;
 * - WantAuthnRequestsSigned when the SP's metadata says it signs its AuthnRequests: the instance
 *   then refuses unsigned ones (and SP libraries refuse an IdP whose flag disagrees with theirs);
 * - NameIDFormats: the format the instance issues, and persistent with a pairwise NameID;
 * - SingleSignOnService (HTTP-Redirect and HTTP-POST): `saml2.metadata.single_sign_on_url`, else
 *   the instance's translate URL under server.yaml `public_base_url`;
 * - signed (enveloped, first child) with the signing key when `saml2.metadata.sign`.
 */
import { randomBytes } from 'node:crypto';
import type { RealmKeys } from '../keys/realm-keys';
import type { LoadedInstance } from '../realms/loaded-instance';
import type { Saml2Config } from '../realms/schema/saml2-config';
import { NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_UNSPECIFIED } from '../token-types/saml2/assertion-namespaces';
import { serviceProviderFor, type ServiceProvider } from '../token-types/saml2/service-provider';
import { DIGEST_ALGORITHMS, SIGNATURE_ALGORITHMS } from '../token-types/saml2/xml-algorithms';
import { signEnvelopedXml } from '../token-types/saml2/xml-signing';
import { idpMetadataXml, type PublishedCertificate } from './idp-metadata-document';

export const SAML_METADATA_CONTENT_TYPE = 'application/samlmetadata+xml';

/**
 * Whether `loaded` publishes IdP metadata: it issues SAML2 tokens with the built-in provider
 * (a plugin bound to SAML2 issues its own format) and has its `saml2` settings.
 */
export function publishesIdpMetadata(loaded: LoadedInstance): boolean {
  const { settings } = loaded.instance;
  return settings.saml2 !== undefined && loaded.tokenTypes('output').includes('SAML2') && settings.custom_token_providers.SAML2 === undefined;
}

/** The metadata document (with its XML declaration) of an instance that {@link publishesIdpMetadata}. */
export async function idpMetadataOf(loaded: LoadedInstance, publicBaseUrl: string, now = Date.now()): Promise<string> {
  const saml2 = loaded.instance.settings.saml2!;
  const keys = loaded.realm.keys;
  const sp = serviceProviderFor(saml2);
  const xml = idpMetadataXml({
    entityId: saml2.issuer,
    id: `_${randomBytes(20).toString('hex')}`,
    validUntil: new Date(now + saml2.metadata.valid_seconds * 1000),
    cacheDurationSeconds: saml2.metadata.cache_duration_seconds,
    signing: signingCertificates(saml2, keys, now),
    encryption: encryptionCertificate(loaded),
    nameIdFormats: nameIdFormatsOf(saml2, sp),
    singleSignOnUrl: saml2.metadata.single_sign_on_url ?? `${publicBaseUrl}/rest-sts${loaded.instance.path}?_action=translate`,
    wantAuthnRequestsSigned: sp.authnRequestsSigned,
  });
  const document = saml2.metadata.sign ? await signed(xml, saml2, keys) : xml;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${document}`;
}

/** The signing key's published versions that have a certificate, the one that signs now first. */
function signingCertificates(saml2: Saml2Config, keys: RealmKeys, now: number): PublishedCertificate[] {
  if (saml2.signing_key === undefined) return [];
  const active = keys.get(saml2.signing_key);
  const published = keys.publishedFor(saml2.signing_key, now);
  const ordered = active && published.includes(active) ? [active, ...published.filter((key) => key !== active)] : published;
  return ordered.flatMap((key) => (key.certificate ? [{ kid: key.kid, certificate: key.certificate }] : []));
}

function encryptionCertificate(loaded: LoadedInstance): PublishedCertificate | undefined {
  const kid = loaded.instance.settings.saml2_validation?.decryption_key;
  const key = kid === undefined ? undefined : loaded.realm.keys.get(kid);
  return key?.certificate && { kid: key.kid, certificate: key.certificate };
}

/** The NameID format the instance issues (as the provider chooses it), and persistent when it derives pairwise NameIDs. */
function nameIdFormatsOf(saml2: Saml2Config, sp: ServiceProvider): string[] {
  const pairwise = saml2.name_id?.pairwise_key !== undefined;
  const issued = saml2.name_id_format ?? (pairwise ? NAMEID_FORMAT_PERSISTENT : (sp.nameIdFormats[0] ?? NAMEID_FORMAT_UNSPECIFIED));
  return [...new Set([issued, ...(pairwise ? [NAMEID_FORMAT_PERSISTENT] : [])])];
}

/** Signed as the instance signs its assertions: its signing key, signature and digest algorithms. */
function signed(xml: string, saml2: Saml2Config, keys: RealmKeys): Promise<string> {
  return signEnvelopedXml(xml, keys.get(saml2.signing_key!)!, {
    placement: 'first-child',
    ...(saml2.signature_algorithm && { signatureAlgorithm: SIGNATURE_ALGORITHMS[saml2.signature_algorithm].uri }),
    digestAlgorithm: DIGEST_ALGORITHMS[saml2.digest_algorithm],
  });
}
