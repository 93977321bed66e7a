/**
 * The service provider an instance's SAML2 output is for, as one resolved description: from the
 * typed `saml2` settings, or from the SP's metadata (`saml2.sp_metadata`), typed settings taking
 * precedence. Prepared when the configuration is checked; the provider, the token exchange policy
 * and the IdP metadata read it synchronously afterwards.
 */
import type { X509Certificate } from 'node:crypto';
import type { ConfigurationProblem } from '../../plugin-api/token-contract';
import type { Saml2Config } from '../../realms/schema/saml2-config';
import { HTTP_POST_BINDING } from './assertion-namespaces';
import type { SpMetadata } from './sp-metadata-reader';
import { SpMetadataLoadError, SpMetadataSource, type SpMetadataSourceOptions } from './sp-metadata-source';
import { readSpCertificate, SpCertificateError, type SpEncryptionCertificate } from './xml-encryption';

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

/** How a prepared saml2 block gets its SP: fixed (typed settings) or from its metadata source. */
interface ResolvedServiceProvider {
  current(): ServiceProvider;
}

/** Resolved service providers, by the (immutable) saml2 block they belong to. */
const resolved = new WeakMap<Saml2Config, ResolvedServiceProvider>();

/**
 * Reads what the SP description needs (certificate files, metadata) and reports what is wrong.
 * `options` are for tests (the metadata URL's fetch, the clock, the logger).
 */
export async function prepareServiceProvider(
  config: Saml2Config,
  configDir: string,
  options: SpMetadataSourceOptions = {},
): Promise<ConfigurationProblem[]> {
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
  let source: SpMetadataSource | undefined;
  if (config.sp_metadata) {
    try {
      source = await SpMetadataSource.load(config.sp_metadata, configDir, (metadata) => metadataProblem(config, metadata), options);
    } catch (error) {
      if (!(error instanceof SpMetadataLoadError)) throw error;
      problems.push({ path: `saml2.${error.path}`, message: error.message });
    }
  } else {
    if (config.encryption && file === undefined) {
      problems.push({ path: 'saml2.encryption.sp_certificate_file', message: 'required (or name the SP by sp_metadata with an encryption certificate)' });
    }
    if (config.sp_entity_id === undefined) problems.push({ path: 'saml2.sp_entity_id', message: 'required (or name the SP by sp_metadata)' });
    if (config.sp_acs_url === undefined) problems.push({ path: 'saml2.sp_acs_url', message: 'required (or name the SP by sp_metadata)' });
  }
  if (problems.length > 0) return problems;
  resolved.set(config, source ? fromMetadata(config, source, encryptionCertificate) : fixed(typedServiceProvider(config, encryptionCertificate)));
  return problems;
}

/** The SP of a saml2 block whose configuration check passed (metadata from a URL: the copy on hand). */
export function serviceProviderFor(config: Saml2Config): ServiceProvider {
  const sp = resolved.get(config);
  if (!sp) throw new Error('SAML service provider used before its configuration was checked');
  return sp.current();
}

/** The SP's entity ID when the configuration check has resolved it (token exchange audiences). */
export function spEntityIdOf(config: Saml2Config): string | undefined {
  return resolved.get(config)?.current().entityId ?? config.sp_entity_id;
}

function fixed(sp: ServiceProvider): ResolvedServiceProvider {
  return { current: () => sp };
}

function typedServiceProvider(config: Saml2Config, encryptionCertificate: SpEncryptionCertificate | undefined): ServiceProvider {
  return Object.freeze({
    entityId: config.sp_entity_id!,
    assertionConsumerServices: [{ url: config.sp_acs_url!, binding: HTTP_POST_BINDING }],
    encryptionCertificate,
    nameIdFormats: [],
    requestedAttributes: [],
    authnRequestsSigned: false,
    wantAssertionsSigned: false,
    signingCertificates: [],
  });
}

/** What the instance needs of its SP's metadata beyond what the metadata reader checks. */
function metadataProblem(config: Saml2Config, metadata: SpMetadata): { path: string; message: string } | undefined {
  if (config.encryption && config.encryption.sp_certificate_file === undefined && !metadata.encryptionCertificate) {
    return { path: 'encryption.sp_certificate_file', message: `${metadata.encryptionCertificateProblem}, and encryption.sp_certificate_file is not set` };
  }
  return undefined;
}

/** The metadata's SP with the typed settings that are present taking precedence; rebuilt when a refresh brings new metadata. */
function fromMetadata(config: Saml2Config, source: SpMetadataSource, typedCertificate: SpEncryptionCertificate | undefined): ResolvedServiceProvider {
  let built: { from: SpMetadata; sp: ServiceProvider } | undefined;
  return {
    current() {
      const metadata = source.current();
      if (built?.from !== metadata) {
        built = {
          from: metadata,
          sp: Object.freeze({
            entityId: config.sp_entity_id ?? metadata.entityId,
            assertionConsumerServices:
              config.sp_acs_url !== undefined ? [{ url: config.sp_acs_url, binding: HTTP_POST_BINDING }] : metadata.assertionConsumerServices,
            encryptionCertificate: typedCertificate ?? metadata.encryptionCertificate,
            nameIdFormats: metadata.nameIdFormats,
            requestedAttributes: metadata.requestedAttributes,
            authnRequestsSigned: metadata.authnRequestsSigned,
            wantAssertionsSigned: metadata.wantAssertionsSigned,
            signingCertificates: metadata.signingCertificates,
          }),
        };
      }
      return built.sp;
    },
  };
}
