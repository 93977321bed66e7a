import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { generatedCertificate } from '../keys/generated-certificate';
import { DS_NS, MD_NS } from '../token-types/saml2/assertion-namespaces';
import { idpMetadataXml, type IdpMetadataFacts } from './idp-metadata-document';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sts-idp-metadata-doc-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function certificate(kid: string) {
  return (await generatedCertificate(kid, 'sig', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dataDir, Date.now()))!;
}

async function facts(overrides: Partial<IdpMetadataFacts> = {}): Promise<IdpMetadataFacts> {
  return {
    entityId: 'https://idp.test/saml',
    id: '_abc',
    validUntil: new Date('2026-03-01T10:20:30.456Z'),
    cacheDurationSeconds: 3600,
    signing: [{ kid: 'k.v1', certificate: await certificate('k.v1') }],
    nameIdFormats: ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'],
    singleSignOnUrl: 'https://sts.test/rest-sts/saml?_action=translate',
    wantAuthnRequestsSigned: false,
    ...overrides,
  };
}

describe('idpMetadataXml', () => {
  it('writes values as text and attributes, never as markup: characters XML reserves come back as they went in', async () => {
    const tricky = 'https://idp.test/?a=1&b="<x>"';
    const xml = idpMetadataXml(await facts({ entityId: tricky, singleSignOnUrl: `${tricky}&c='d'`, nameIdFormats: ['urn:x:<format>&'] }));
    const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect(root.getAttribute('entityID')).toBe(tricky);
    expect(root.getElementsByTagNameNS(MD_NS, 'SingleSignOnService')[0].getAttribute('Location')).toBe(`${tricky}&c='d'`);
    expect(root.getElementsByTagNameNS(MD_NS, 'NameIDFormat')[0].textContent).toBe('urn:x:<format>&');
  });

  it('writes validUntil in whole UTC seconds and cacheDuration as an xs:duration', async () => {
    const root = new DOMParser().parseFromString(idpMetadataXml(await facts()), 'text/xml').documentElement!;
    expect(root.getAttribute('validUntil')).toBe('2026-03-01T10:20:30Z');
    expect(root.getAttribute('cacheDuration')).toBe('PT3600S');
  });

  it('says WantAuthnRequestsSigned="true" only when the requests must be signed', async () => {
    const parse = async (want: boolean) =>
      new DOMParser().parseFromString(idpMetadataXml(await facts({ wantAuthnRequestsSigned: want })), 'text/xml').getElementsByTagNameNS(MD_NS, 'IDPSSODescriptor')[0];
    expect((await parse(true)).getAttribute('WantAuthnRequestsSigned')).toBe('true');
    expect((await parse(false)).hasAttribute('WantAuthnRequestsSigned')).toBe(false);
  });

  it('lists the signing certificates in the order given, then the encryption one, in the schema\'s element order', async () => {
    const encryption = { kid: 'enc', certificate: await certificate('enc') };
    const signing = [
      { kid: 'k.v2', certificate: await certificate('k.v2') },
      { kid: 'k.v3', certificate: await certificate('k.v3') },
    ];
    const root = new DOMParser().parseFromString(idpMetadataXml(await facts({ signing, encryption })), 'text/xml').documentElement!;
    const idp = root.getElementsByTagNameNS(MD_NS, 'IDPSSODescriptor')[0];
    const children = Array.from(idp.childNodes).map((node) => (node as { localName?: string }).localName);
    expect(children).toEqual(['KeyDescriptor', 'KeyDescriptor', 'KeyDescriptor', 'NameIDFormat', 'SingleSignOnService', 'SingleSignOnService']);
    const descriptors = Array.from(idp.getElementsByTagNameNS(MD_NS, 'KeyDescriptor')).map((d) => ({
      use: d.getAttribute('use'),
      kid: d.getElementsByTagNameNS(DS_NS, 'KeyName')[0].textContent,
      der: d.getElementsByTagNameNS(DS_NS, 'X509Certificate')[0].textContent,
    }));
    expect(descriptors).toEqual([
      { use: 'signing', kid: 'k.v2', der: signing[0].certificate.raw.toString('base64') },
      { use: 'signing', kid: 'k.v3', der: signing[1].certificate.raw.toString('base64') },
      { use: 'encryption', kid: 'enc', der: encryption.certificate.raw.toString('base64') },
    ]);
  });
});
