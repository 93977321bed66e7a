/**
 * The service provider an instance's SAML2 output is for, as one resolved description: from the
 * typed `saml2` settings, or from the SP's metadata (`saml2.sp_metadata`), typed settings taking
 * precedence. Prepared when the configuration is checked; the provider, the token exchange policy
 * and the IdP metadata read it synchronously afterwards.
 */
import type { X509Certificate } from 'node:crypto';
import type { ConfigurationProblem } from '../../plugin-api/token-contract';
import type { Saml2Config } from '../../realms/schema/saml2-config';
import { readSpCertificate, SpCertificateError, type SpEncryptionCertificate } from './xml-encryption';

export const HTTP_POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export interface AssertionConsumerService {
  readonly url: string;
  readonly binding: string;
  readonly index?: number;
}

export interface RequestedAttribute {
  readonly name: string;
  readonly nameFormat?: string;
  readonly friendlyName?: string;
  readonly required: boolean;
}

export interface ServiceProvider {
  readonly entityId: string;
  /** The first is the default: where an assertion goes when no AuthnRequest names another. */
  readonly assertionConsumerServices: readonly AssertionConsumerService[];
  readonly encryptionCertificate?: SpEncryptionCertificate;
  /** NameID formats the SP asks for, preferred first (from metadata; empty when typed). */
  readonly nameIdFormats: readonly string[];
  readonly requestedAttributes: readonly RequestedAttribute[];
  /** The SP signs its AuthnRequests (metadata AuthnRequestsSigned). */
  readonly authnRequestsSigned: boolean;
  readonly wantAssertionsSigned: boolean;
  /** Certificates the SP signs AuthnRequests with (metadata use="signing" KeyDescriptors). */
  readonly signingCertificates: readonly X509Certificate[];
}

/** Resolved service providers, by the (immutable) saml2 block they belong to. */
const resolved = new WeakMap<Saml2Config, ServiceProvider>();

/** Reads what the SP description needs (certificate files, metadata) and reports what is wrong. */
export async function prepareServiceProvider(config: Saml2Config, configDir: string): Promise<ConfigurationProblem[]> {
  const problems: ConfigurationProblem[] = [];
  let encryptionCertificate: SpEncryptionCertificate | undefined;
  const file = config.encryption?.sp_certificate_file;
  if (file !== undefined) {
    try {
      encryptionCertificate = await readSpCertificate(file, configDir);
    } catch (error) {
      if (!(error instanceof SpCertificateError)) throw error;
      problems.push({ path: 'saml2.encryption.sp_certificate_file', message: error.message });
    }
  }
  if (config.encryption && file === undefined) {
    problems.push({ path: 'saml2.encryption.sp_certificate_file', message: 'required (or name the SP by sp_metadata with an encryption certificate)' });
  }
  if (config.sp_entity_id === undefined) problems.push({ path: 'saml2.sp_entity_id', message: 'required (or name the SP by sp_metadata)' });
  if (config.sp_acs_url === undefined) problems.push({ path: 'saml2.sp_acs_url', message: 'required (or name the SP by sp_metadata)' });
  if (problems.length > 0) return problems;
  resolved.set(config, {
    entityId: config.sp_entity_id!,
    assertionConsumerServices: [{ url: config.sp_acs_url!, binding: HTTP_POST_BINDING }],
    encryptionCertificate,
    nameIdFormats: [],
    requestedAttributes: [],
    authnRequestsSigned: false,
    wantAssertionsSigned: false,
    signingCertificates: [],
  });
  return problems;
}

/** The SP of a saml2 block whose configuration check passed. */
export function serviceProviderFor(config: Saml2Config): ServiceProvider {
  const sp = resolved.get(config);
  if (!sp) throw new Error('SAML service provider used before its configuration was checked');
  return sp;
}

/** The SP's entity ID when the configuration check has resolved it (token exchange audiences). */
export function spEntityIdOf(config: Saml2Config): string | undefined {
  return resolved.get(config)?.entityId ?? config.sp_entity_id;
}
