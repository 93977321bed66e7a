/**
 * SP metadata for tests: an EntityDescriptor written from options, signed (when asked) by xmlsec1
 * from a signature template (an XML-DSig implementation we did not write), enveloped, exclusive
 * c14n, RSA-SHA256.
 */
import { readFileSync } from 'node:fs';
import { tempFile, tempPath, type PemPair } from './openssl';
import { xmlsec1 } from './saml-output-checks';
import { MD, POST_BINDING } from './saml-names';

export interface AcsOption {
  readonly url: string;
  readonly index?: number;
  readonly isDefault?: boolean;
  readonly binding?: string;
}

export interface SpMetadataOptions {
  readonly entityId?: string;
  readonly id?: string;
  readonly acs?: readonly AcsOption[];
  /** [use, base64 DER] per KeyDescriptor; use '' for none. */
  readonly keys?: ReadonlyArray<readonly [string, string]>;
  readonly nameIdFormats?: readonly string[];
  readonly attributes?: string;
  readonly authnRequestsSigned?: boolean;
  readonly wantAssertionsSigned?: boolean;
  readonly validUntil?: string;
  readonly protocols?: string;
  /** Put where the signature goes (first child), for xmlsec1 to fill in. */
  readonly signatureTemplate?: boolean;
}

const SIGNATURE_TEMPLATE = (id: string) => `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference URI="#${id}">
        <ds:Transforms>
          <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        </ds:Transforms>
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue/>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
  </ds:Signature>`;

/** An md:EntityDescriptor with one SPSSODescriptor, as the options describe. */
export function spMetadataXml(options: SpMetadataOptions = {}): string {
  const id = options.id ?? '_sp-metadata-1';
  const acs = options.acs ?? [{ url: 'https://sp.test/acs', index: 0, isDefault: true }];
  const keys = (options.keys ?? [])
    .map(
      ([use, der]) =>
        `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('\n    ');
  const formats = (options.nameIdFormats ?? []).map((format) => `<md:NameIDFormat>${format}</md:NameIDFormat>`).join('\n    ');
  const services = acs
    .map(
      (service) =>
        `<md:AssertionConsumerService Binding="${service.binding ?? POST_BINDING}" Location="${service.url}"${service.index === undefined ? '' : ` index="${service.index}"`}${service.isDefault === undefined ? '' : ` isDefault="${service.isDefault}"`}/>`,
    )
    .join('\n    ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="${id}" entityID="${options.entityId ?? 'https://sp.test/metadata'}"${options.validUntil ? ` validUntil="${options.validUntil}"` : ''}>
  ${options.signatureTemplate ? SIGNATURE_TEMPLATE(id) : ''}
  <md:SPSSODescriptor AuthnRequestsSigned="${options.authnRequestsSigned ?? false}" WantAssertionsSigned="${options.wantAssertionsSigned ?? false}" protocolSupportEnumeration="${options.protocols ?? 'urn:oasis:names:tc:SAML:2.0:protocol'}">
    ${keys}
    ${formats}
    ${services}
    ${options.attributes ?? ''}
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

/** The metadata signed by xmlsec1 with `signer`'s key (its template must be in place); `idElements` carry the ID a Reference may name. */
export function signWithXmlsec(xml: string, signer: PemPair, idElements: readonly string[] = ['EntityDescriptor']): string {
  const out = tempPath('.xml');
  const ids = idElements.flatMap((name) => ['--id-attr:ID', `${MD}:${name}`]);
  const [status, output] = xmlsec1(['--sign', '--privkey-pem', `${signer.keyFile},${signer.certFile}`, ...ids, '--output', out, tempFile(xml, '.xml')]);
  if (status !== 0) throw new Error(`xmlsec1 --sign failed (${status}):\n${output}`);
  return readFileSync(out, 'utf8');
}
