/** The shape checks that run before any cryptography; verification itself is covered end to end with xmlsec1. */
import { locateAssertion } from './validation-signature';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

interface Shape {
  uri?: string;
  c14n?: string;
  signatureMethod?: string;
  digestMethod?: string;
  transforms?: string[];
  references?: number;
  extra?: string;
}

function assertion({ uri = '#_a1', c14n = 'http://www.w3.org/2001/10/xml-exc-c14n#', signatureMethod = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  digestMethod = 'http://www.w3.org/2001/04/xmlenc#sha256', transforms = [`${DS}enveloped-signature`, 'http://www.w3.org/2001/10/xml-exc-c14n#'], references = 1, extra = '' }: Shape = {}): string {
  const reference =
    `<ds:Reference URI="${uri}"><ds:Transforms>${transforms.map((t) => `<ds:Transform Algorithm="${t}"/>`).join('')}</ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${digestMethod}"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference>`;
  return (
    `<saml:Assertion xmlns:saml="${SAML}" ID="_a1" Version="2.0"><saml:Issuer>https://idp.test</saml:Issuer>` +
    `<ds:Signature xmlns:ds="${DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${c14n}"/><ds:SignatureMethod Algorithm="${signatureMethod}"/>` +
    `${reference.repeat(references)}</ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>` +
    `<saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject>${extra}</saml:Assertion>`
  );
}

const code = (xml: string): string | undefined => {
  try {
    locateAssertion(xml);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('locateAssertion', () => {
  it('accepts a well-shaped signature and reports the claimed issuer', () => {
    const pending = locateAssertion(assertion());
    expect({ id: pending.id, issuer: pending.claimedIssuer, signature: pending.signature.localName }).toEqual({
      id: '_a1',
      issuer: 'https://idp.test',
      signature: 'Signature',
    });
  });

  it.each<[string, Shape, string]>([
    ['a reference to another element', { uri: '#_other' }, 'saml_signature_invalid'],
    ['a reference to the whole document', { uri: '' }, 'saml_signature_invalid'],
    ['two references', { references: 2 }, 'saml_signature_invalid'],
    ['the WithComments transform', { transforms: [`${DS}enveloped-signature`, 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments'] }, 'saml_signature_invalid'],
    ['an XSLT transform', { transforms: ['http://www.w3.org/TR/1999/REC-xslt-19991116'] }, 'saml_signature_invalid'],
    ['inclusive canonicalization of SignedInfo', { c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315' }, 'saml_signature_invalid'],
    ['an MD5 digest', { digestMethod: 'http://www.w3.org/2001/04/xmldsig-more#md5' }, 'saml_weak_algorithm'],
    ['a SHA-1 digest', { digestMethod: `${DS}sha1` }, 'saml_weak_algorithm'],
    ['RSA-MD5', { signatureMethod: 'http://www.w3.org/2001/04/xmldsig-more#rsa-md5' }, 'saml_weak_algorithm'],
    ['HMAC-SHA1', { signatureMethod: `${DS}hmac-sha1` }, 'saml_weak_algorithm'],
    ['HMAC-SHA256 (key confusion)', { signatureMethod: 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256' }, 'saml_signature_invalid'],
    ['a second element with the same ID', { extra: '<saml:Advice ID="_a1"/>' }, 'saml_signature_invalid'],
    // xml-crypto is then asked to resolve references by ID alone: any other ID-like attribute
    // carrying the value, in whatever namespace, must already be refused here.
    ['another element with the same value in Id', { extra: '<saml:Advice Id="_a1"/>' }, 'saml_signature_invalid'],
    ['another element with the same value in a prefixed ID', { extra: '<saml:Advice xmlns:x="urn:x" x:ID="_a1"/>' }, 'saml_signature_invalid'],
    ['another element with the same value in wsu:Id', { extra: '<saml:Advice xmlns:wsu="urn:wsu" wsu:Id="_a1"/>' }, 'saml_signature_invalid'],
    ['a processing instruction inside', { extra: '<?evil x?>' }, 'saml_signature_invalid'],
    ['a nested signature', { extra: `<saml:Advice><ds:Signature xmlns:ds="${DS}"/></saml:Advice>` }, 'saml_signature_invalid'],
  ])('refuses %s', (_name, shape, expected) => {
    expect(code(assertion(shape))).toBe(expected);
  });

  it('refuses an Assertion carrying its ID value in a second ID-like attribute', () => {
    expect(code(assertion().replace('ID="_a1"', 'ID="_a1" Id="_a1"'))).toBe('saml_signature_invalid');
    expect(code(assertion().replace('ID="_a1"', 'ID="_a1" xmlns:x="urn:x" x:id="_a1"'))).toBe('saml_signature_invalid');
  });

  it('refuses an unsigned assertion and a document that is no SAML', () => {
    expect(code(`<saml:Assertion xmlns:saml="${SAML}" ID="_a1"><saml:Issuer>x</saml:Issuer></saml:Assertion>`)).toBe('saml_assertion_unsigned');
    expect(code('<Assertion ID="_a1"/>')).toBe('malformed_saml');
  });

  it('refuses an encrypted assertion in a Response', () => {
    const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="${SAML}"><saml:EncryptedAssertion/></samlp:Response>`;
    expect(code(xml)).toBe('saml_assertion_encrypted');
  });
});
