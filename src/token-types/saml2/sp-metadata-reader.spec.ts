/**
 * SP metadata read into the SP description: samlify's generated metadata (an SP library we did
 * not write), hand-written metadata valid against the OASIS schema (xmllint), metadata signed by
 * xmlsec1; then each way metadata is refused, with the reason the configuration problem gives.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { samlify } from '../../../test/support/samlify';
import { EC_P256_KEY, pemPair, removeOpensslWorkDir, type PemPair } from '../../../test/support/openssl';
import { metadataSchemaCheck } from '../../../test/support/saml-output-checks';
import { ATTRNAME_URI, MAIL_OID, NAMEID_EMAIL, NAMEID_PERSISTENT, POST_BINDING, REDIRECT_BINDING } from '../../../test/support/saml-names';
import { signWithXmlsec, spMetadataXml } from '../../../test/support/sp-metadata-fixtures';
import { readSpMetadata, SpMetadataError, type SpMetadata } from './sp-metadata-reader';

const NOW = new Date();

let signing: PemPair;
let encryption: PemPair;
let other: PemPair;
let ecKey: PemPair;
let smallRsa: PemPair;

beforeAll(() => {
  signing = pemPair('/CN=SP signing');
  encryption = pemPair('/CN=SP encryption');
  other = pemPair('/CN=Someone else');
  ecKey = pemPair('/CN=SP EC', EC_P256_KEY);
  smallRsa = pemPair('/CN=SP small', ['-newkey', 'rsa:1024']);
});
afterAll(() => removeOpensslWorkDir());

function read(xml: string, signer?: PemPair): SpMetadata {
  return readSpMetadata(Buffer.from(xml), { now: NOW, signer: signer && new X509Certificate(readFileSync(signer.certFile)) });
}

function refusal(xml: string | Buffer, signer?: PemPair): string {
  try {
    readSpMetadata(typeof xml === 'string' ? Buffer.from(xml) : xml, { now: NOW, signer: signer && new X509Certificate(readFileSync(signer.certFile)) });
  } catch (error) {
    expect(error).toBeInstanceOf(SpMetadataError);
    return (error as Error).message;
  }
  throw new Error('expected the metadata to be refused');
}

describe('readSpMetadata', () => {
  it("reads samlify's generated SP metadata", () => {
    const sp = samlify.ServiceProvider({
      entityID: 'https://sp.test/samlify',
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
      signingCert: signing.certPem,
      encryptCert: encryption.certPem,
      nameIDFormat: [NAMEID_EMAIL, NAMEID_PERSISTENT],
      assertionConsumerService: [
        { Binding: REDIRECT_BINDING, Location: 'https://sp.test/redirect-acs' },
        { Binding: POST_BINDING, Location: 'https://sp.test/acs' },
        { Binding: POST_BINDING, Location: 'https://sp.test/acs2', isDefault: true },
      ],
    });
    const metadata = read(sp.getMetadata());
    expect(metadata).toMatchObject({
      entityId: 'https://sp.test/samlify',
      // isDefault first, then by index; the Redirect ACS is not one the STS can answer at.
      assertionConsumerServices: [
        { url: 'https://sp.test/acs2', binding: POST_BINDING, index: 2 },
        { url: 'https://sp.test/acs', binding: POST_BINDING, index: 1 },
      ],
      nameIdFormats: [NAMEID_EMAIL, NAMEID_PERSISTENT],
      authnRequestsSigned: true,
      wantAssertionsSigned: true,
    });
    expect(metadata.signingCertificates.map((certificate) => certificate.subject)).toEqual(['CN=SP signing']);
    expect(new X509Certificate(metadata.encryptionCertificate!.certificatePem).subject).toBe('CN=SP encryption');
  });

  it('reads hand-written, schema-valid metadata: key uses, ACS order, requested attributes, validUntil', () => {
    const xml = spMetadataXml({
      validUntil: '2099-01-01T00:00:00Z',
      keys: [
        ['signing', signing.certBase64],
        ['', encryption.certBase64],
      ],
      nameIdFormats: [NAMEID_PERSISTENT],
      acs: [
        { url: 'https://sp.test/c', index: 3 },
        { url: 'https://sp.test/b', index: 1 },
        { url: 'https://sp.test/a', index: 2, isDefault: true },
        { url: 'https://sp.test/artifact', index: 0, binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact' },
      ],
      attributes: `<md:AttributeConsumingService index="1"><md:ServiceName xml:lang="en">Other</md:ServiceName><md:RequestedAttribute Name="ignored"/></md:AttributeConsumingService>
    <md:AttributeConsumingService index="2" isDefault="true"><md:ServiceName xml:lang="en">App</md:ServiceName>
      <md:RequestedAttribute Name="${MAIL_OID}" NameFormat="${ATTRNAME_URI}" FriendlyName="mail" isRequired="true"/>
      <md:RequestedAttribute Name="displayName"/>
    </md:AttributeConsumingService>`,
    });
    expect(metadataSchemaCheck(xml)).toEqual([0, expect.stringContaining('validates')]);
    const metadata = read(xml);
    expect(metadata.assertionConsumerServices.map((service) => service.url)).toEqual(['https://sp.test/a', 'https://sp.test/b', 'https://sp.test/c']);
    // A KeyDescriptor without use serves both: two signing certificates, the unmarked one encrypts.
    expect(metadata.signingCertificates.map((certificate) => certificate.subject)).toEqual(['CN=SP signing', 'CN=SP encryption']);
    expect(new X509Certificate(metadata.encryptionCertificate!.certificatePem).subject).toBe('CN=SP encryption');
    expect(metadata.requestedAttributes).toEqual([
      { name: MAIL_OID, nameFormat: ATTRNAME_URI, friendlyName: 'mail', required: true },
      { name: 'displayName', required: false },
    ]);
    expect(metadata.validUntil?.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    expect(metadata.authnRequestsSigned).toBe(false);
  });

  it('ACS without isDefault or index keep document order after indexed ones', () => {
    const metadata = read(spMetadataXml({ acs: [{ url: 'https://sp.test/x' }, { url: 'https://sp.test/y', index: 5 }, { url: 'https://sp.test/z' }] }));
    expect(metadata.assertionConsumerServices).toEqual([
      { url: 'https://sp.test/y', binding: POST_BINDING, index: 5 },
      { url: 'https://sp.test/x', binding: POST_BINDING },
      { url: 'https://sp.test/z', binding: POST_BINDING },
    ]);
  });

  it('an EntitiesDescriptor with exactly one SP is read; with two it is refused', () => {
    const entity = spMetadataXml().replace(/^<\?xml[^>]*>\s*/, '');
    const idpOnly = `<md:EntityDescriptor entityID="https://idp.test"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="${POST_BINDING}" Location="https://idp.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
    const group = (inner: string) => `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${inner}</md:EntitiesDescriptor>`;
    expect(read(group(idpOnly + entity)).entityId).toBe('https://sp.test/metadata');
    expect(refusal(group(entity + entity.replace('https://sp.test/metadata', 'https://sp2.test')))).toMatch(/describes 2 service providers/);
    expect(refusal(group(idpOnly))).toMatch(/describes 0 service providers/);
  });

  it('encryption certificates that cannot be used are reported, not fatal (the instance may not encrypt)', () => {
    expect(read(spMetadataXml({ keys: [['encryption', ecKey.certBase64]] })).encryptionCertificateProblem).toMatch(/ec key; XML encryption needs RSA/);
    expect(read(spMetadataXml({ keys: [['encryption', smallRsa.certBase64]] })).encryptionCertificateProblem).toMatch(/RSA-1024 key; at least 2048/);
    expect(read(spMetadataXml({ keys: [['signing', signing.certBase64]] })).encryptionCertificateProblem).toMatch(/no KeyDescriptor for encryption/);
    // The first usable one is taken.
    const both = read(spMetadataXml({ keys: [['encryption', ecKey.certBase64], ['encryption', encryption.certBase64]] }));
    expect(new X509Certificate(both.encryptionCertificate!.certificatePem).subject).toBe('CN=SP encryption');
  });
});

describe('signed metadata (xmlsec1 signs, saml2.sp_metadata.certificate_file verifies)', () => {
  let signed: string;

  beforeAll(() => {
    signed = signWithXmlsec(spMetadataXml({ signatureTemplate: true, keys: [['encryption', encryption.certBase64]] }), signing);
  });

  it('is accepted with the signer certificate, and is schema-valid', () => {
    expect(metadataSchemaCheck(signed)[0]).toBe(0);
    expect(read(signed, signing).entityId).toBe('https://sp.test/metadata');
  });

  it('is refused when changed after signing', () => {
    expect(refusal(signed.replace('https://sp.test/acs', 'https://evil.test/acs'), signing)).toMatch(/signature refused: .*does not verify/);
  });

  it('is refused with another certificate (KeyInfo never counts)', () => {
    expect(refusal(signed, other)).toMatch(/signature refused: .*does not verify/);
  });

  it('is refused unsigned when a certificate is configured', () => {
    expect(refusal(spMetadataXml(), signing)).toMatch(/signature refused: it is not signed/);
  });

  it('refuses a wrapped document: the signed EntityDescriptor moved under a new, unsigned root', () => {
    const signedBody = signed.replace(/^<\?xml[^>]*>\s*/, '');
    const wrapper = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" ID="_wrap">${spMetadataXml({ id: '_evil', entityId: 'https://evil.test' }).replace(/^<\?xml[^>]*>\s*/, '')}${signedBody}</md:EntitiesDescriptor>`;
    expect(refusal(wrapper, signing)).toMatch(/signature refused: .*exactly one signature, on its root element/);
  });

  it('refuses a signature whose reference names another element', () => {
    const template = spMetadataXml({ signatureTemplate: true }).replace('URI="#_sp-metadata-1"', 'URI="#_other"');
    const withTarget = template.replace('<md:SPSSODescriptor ', '<md:SPSSODescriptor ID="_other" ');
    const signedOther = signWithXmlsec(withTarget, signing, ['EntityDescriptor', 'SPSSODescriptor']);
    expect(refusal(signedOther, signing)).toMatch(/does not reference the EntityDescriptor it is in/);
  });

  it('a signature is ignored when no certificate is configured', () => {
    expect(read(signed.replace('https://sp.test/acs', 'https://sp.test/changed')).assertionConsumerServices[0].url).toBe('https://sp.test/changed');
  });
});

describe('readSpMetadata refuses', () => {
  it.each<[string, string, RegExp]>([
    ['not well-formed XML', '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">', /not well-formed XML/],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY e "e">]>${spMetadataXml().replace(/^<\?xml[^>]*>\s*/, '')}`, /DOCTYPE/],
    ['another root', '<md:IDPSSODescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>', /root element is IDPSSODescriptor, not md:EntityDescriptor/],
    ['no entityID', spMetadataXml().replace('entityID="https://sp.test/metadata"', ''), /no usable entityID/],
    ['no SPSSODescriptor', spMetadataXml().replace(/SPSSODescriptor/g, 'IDPSSODescriptor'), /no SPSSODescriptor for SAML 2\.0/],
    ['an SPSSODescriptor for SAML 1.1 only', spMetadataXml({ protocols: 'urn:oasis:names:tc:SAML:1.1:protocol' }), /no SPSSODescriptor for SAML 2\.0/],
    ['no ACS with HTTP-POST', spMetadataXml({ acs: [{ url: 'https://sp.test/acs', index: 0, binding: REDIRECT_BINDING }] }), /no AssertionConsumerService with the HTTP-POST binding/],
    ['an ACS that is no http(s) URL', spMetadataXml({ acs: [{ url: 'javascript:alert(1)', index: 0 }] }), /is not an http\(s\) URL/],
    ['an ACS index that is no number', spMetadataXml({ acs: [{ url: 'https://sp.test/acs' }] }).replace('Location=', 'index="x" Location='), /index "x" is not an unsigned short/],
    ['an expired validUntil', spMetadataXml({ validUntil: '2001-01-01T00:00:00Z' }), /expired: the EntityDescriptor's validUntil 2001-01-01T00:00:00Z has passed/],
    ['a validUntil that is no date', spMetadataXml({ validUntil: 'tomorrow' }), /validUntil "tomorrow" is not a date/],
    ['a certificate that is no certificate', spMetadataXml({ keys: [['signing', 'AAAA']] }), /not a DER certificate/],
    ['AuthnRequestsSigned without a signing certificate', spMetadataXml({ authnRequestsSigned: true }), /AuthnRequestsSigned is true but no KeyDescriptor/],
    ['a KeyDescriptor use that is neither', spMetadataXml({ keys: [['both', 'AAAA']] }), /neither signing nor encryption/],
    ['a boolean that is none', spMetadataXml().replace('WantAssertionsSigned="false"', 'WantAssertionsSigned="yes"'), /WantAssertionsSigned "yes" is not a boolean/],
  ])('%s', (_name, xml, reason) => {
    expect(refusal(xml)).toMatch(reason);
  });

  it('bytes that are not UTF-8, and more than 1 MiB', () => {
    expect(refusal(Buffer.from([0x3c, 0xff, 0xfe]))).toMatch(/not UTF-8/);
    expect(refusal(Buffer.alloc(1024 * 1024 + 1, 0x20))).toMatch(/larger than 1048576 bytes/);
  });
});
