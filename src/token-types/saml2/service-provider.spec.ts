/**
 * The SP description an instance resolves at load: from typed settings, or from the SP's metadata
 * (samlify's, written to a file as an SP would hand it over) with typed settings that are present
 * taking precedence; and the problems a saml2 block that cannot name its SP is refused with.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { samlify } from '../../../test/support/samlify';
import { pemPair, removeOpensslWorkDir, type PemPair } from '../../../test/support/openssl';
import { NAMEID_EMAIL, POST_BINDING } from '../../../test/support/saml-names';
import { spMetadataXml } from '../../../test/support/sp-metadata-fixtures';
import { makeKeyDir } from '../../../test/support/token-provider-fixtures';
import { Saml2Config, Saml2EncryptionConfig } from '../../realms/schema/saml2-config';
import { Saml2SpMetadataConfig } from '../../realms/schema/saml2-sp-metadata-config';
import { prepareServiceProvider, serviceProviderFor, spEntityIdOf } from './service-provider';

let dir: { dir: string; remove: () => void };
let signing: PemPair;
let encryption: PemPair;
let typedEncryption: PemPair;

beforeAll(() => {
  dir = makeKeyDir();
  signing = pemPair('/CN=SP signing');
  encryption = pemPair('/CN=SP encryption');
  typedEncryption = pemPair('/CN=Typed encryption');
  copyFileSync(typedEncryption.certFile, join(dir.dir, 'typed.crt.pem'));
  const sp = samlify.ServiceProvider({
    entityID: 'https://sp.test/samlify',
    authnRequestsSigned: true,
    signingCert: signing.certPem,
    encryptCert: encryption.certPem,
    nameIDFormat: [NAMEID_EMAIL],
    assertionConsumerService: [
      { Binding: POST_BINDING, Location: 'https://sp.test/acs' },
      { Binding: POST_BINDING, Location: 'https://sp.test/acs2' },
    ],
  });
  writeFileSync(join(dir.dir, 'samlify-sp.xml'), sp.getMetadata());
  writeFileSync(join(dir.dir, 'no-encryption.xml'), spMetadataXml({ keys: [['signing', signing.certBase64]] }));
});
afterAll(() => {
  dir.remove();
  removeOpensslWorkDir();
});

type Saml2Values = Omit<Partial<Saml2Config>, 'sp_metadata' | 'encryption'> & {
  sp_metadata?: Partial<Saml2SpMetadataConfig>;
  encryption?: Partial<Saml2EncryptionConfig>;
};

function saml2(values: Saml2Values): Saml2Config {
  const { sp_metadata, encryption: enc, ...rest } = values;
  return Object.assign(new Saml2Config(), {
    issuer: 'https://sts.test',
    ...rest,
    ...(sp_metadata && { sp_metadata: Object.assign(new Saml2SpMetadataConfig(), sp_metadata) }),
    ...(enc && { encryption: Object.assign(new Saml2EncryptionConfig(), enc) }),
  });
}

describe('prepareServiceProvider', () => {
  it("resolves the SP from samlify's metadata file", async () => {
    const config = saml2({ sp_metadata: { file: 'samlify-sp.xml' }, encryption: {} });
    expect(await prepareServiceProvider(config, dir.dir)).toEqual([]);
    const sp = serviceProviderFor(config);
    expect(sp).toMatchObject({
      entityId: 'https://sp.test/samlify',
      assertionConsumerServices: [
        { url: 'https://sp.test/acs', binding: POST_BINDING, index: 0 },
        { url: 'https://sp.test/acs2', binding: POST_BINDING, index: 1 },
      ],
      nameIdFormats: [NAMEID_EMAIL],
      authnRequestsSigned: true,
      requestedAttributes: [],
    });
    expect(sp.signingCertificates.map((certificate) => certificate.subject)).toEqual(['CN=SP signing']);
    expect(new X509Certificate(sp.encryptionCertificate!.certificatePem).subject).toBe('CN=SP encryption');
    expect(serviceProviderFor(config)).toBe(sp);
    expect(spEntityIdOf(config)).toBe('https://sp.test/samlify');
  });

  it('typed sp_entity_id, sp_acs_url and encryption.sp_certificate_file take precedence over the metadata', async () => {
    const config = saml2({
      sp_metadata: { file: 'samlify-sp.xml' },
      sp_entity_id: 'https://typed.test',
      sp_acs_url: 'https://typed.test/acs',
      encryption: { sp_certificate_file: 'typed.crt.pem' },
    });
    expect(await prepareServiceProvider(config, dir.dir)).toEqual([]);
    const sp = serviceProviderFor(config);
    expect(sp.entityId).toBe('https://typed.test');
    expect(sp.assertionConsumerServices).toEqual([{ url: 'https://typed.test/acs', binding: POST_BINDING }]);
    expect(new X509Certificate(sp.encryptionCertificate!.certificatePem).subject).toBe('CN=Typed encryption');
    // What has no typed setting still comes from the metadata.
    expect(sp.nameIdFormats).toEqual([NAMEID_EMAIL]);
    expect(sp.authnRequestsSigned).toBe(true);
  });

  it('typed settings alone, as before', async () => {
    const config = saml2({ sp_entity_id: 'https://sp.test', sp_acs_url: 'https://sp.test/acs' });
    expect(await prepareServiceProvider(config, dir.dir)).toEqual([]);
    expect(serviceProviderFor(config)).toEqual({
      entityId: 'https://sp.test',
      assertionConsumerServices: [{ url: 'https://sp.test/acs', binding: POST_BINDING }],
      encryptionCertificate: undefined,
      nameIdFormats: [],
      requestedAttributes: [],
      authnRequestsSigned: false,
      wantAssertionsSigned: false,
      signingCertificates: [],
    });
  });

  it('encryption without a certificate: the metadata must give a usable one', async () => {
    const problems = await prepareServiceProvider(saml2({ sp_metadata: { file: 'no-encryption.xml' }, encryption: {} }), dir.dir);
    expect(problems).toEqual([
      {
        path: 'saml2.encryption.sp_certificate_file',
        message: 'no-encryption.xml: the SP metadata has no KeyDescriptor for encryption, and encryption.sp_certificate_file is not set',
      },
    ]);
    // Not encrypting, the same metadata is fine.
    expect(await prepareServiceProvider(saml2({ sp_metadata: { file: 'no-encryption.xml' } }), dir.dir)).toEqual([]);
  });

  it('bad metadata is a problem at saml2.sp_metadata naming the file and the reason; nothing is resolved', async () => {
    writeFileSync(join(dir.dir, 'doctype.xml'), `<!DOCTYPE x>${spMetadataXml().replace(/^<\?xml[^>]*>\s*/, '')}`);
    const config = saml2({ sp_metadata: { file: 'doctype.xml' } });
    expect(await prepareServiceProvider(config, dir.dir)).toEqual([
      { path: 'saml2.sp_metadata', message: 'doctype.xml: it contains a DOCTYPE or other markup declaration, which is never accepted' },
    ]);
    expect(() => serviceProviderFor(config)).toThrow('used before its configuration was checked');
    expect(spEntityIdOf(config)).toBeUndefined();
  });

  it('without metadata, the typed settings are required', async () => {
    expect((await prepareServiceProvider(saml2({ encryption: {} }), dir.dir)).map((problem) => problem.path)).toEqual([
      'saml2.encryption.sp_certificate_file',
      'saml2.sp_entity_id',
      'saml2.sp_acs_url',
    ]);
  });
});
