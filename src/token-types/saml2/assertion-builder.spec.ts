import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { isStsError } from '../../errors/sts-errors';
import { buildAssertion, isXmlText, samlTime, type AssertionInput } from './assertion-builder';
import { ATTRNAME_FORMATS, SAML_NS, XS_NS, XSI_NS } from './assertion-namespaces';
import { typedAttributeValues } from './attribute-values';
import { readSaml2OutputState } from './assertion-output-state';
import { AUTHN_CONTEXT, authnContextClassRef } from './authn-context';

const input: AssertionInput = {
  issuer: 'https://idp.test',
  audience: 'https://sp.test',
  recipient: 'https://sp.test/acs',
  nameId: { value: 'alice', format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' },
  lifetimeSeconds: 120,
  subjectConfirmation: 'SENDER_VOUCHES',
  authnInstant: new Date('2030-01-02T03:04:05.678Z'),
  authnContextClassRef: AUTHN_CONTEXT.UNSPECIFIED,
  attributes: [],
  now: new Date('2030-01-02T03:05:00.999Z'),
};

const reparse = (doc: ReturnType<typeof buildAssertion>) => new DOMParser().parseFromString(new XMLSerializer().serializeToString(doc), 'text/xml');

describe('authnContextClassRef', () => {
  it.each([
    [['pwd'], AUTHN_CONTEXT.PASSWORD_PROTECTED_TRANSPORT],
    [['x509'], AUTHN_CONTEXT.X509],
    [['otp', 'x509', 'pwd'], AUTHN_CONTEXT.X509],
    [['otp'], AUTHN_CONTEXT.UNSPECIFIED],
    [[], AUTHN_CONTEXT.UNSPECIFIED],
    [undefined, AUTHN_CONTEXT.UNSPECIFIED],
    [['toString'], AUTHN_CONTEXT.UNSPECIFIED],
  ])('%j -> %s', (methods, expected) => {
    expect(authnContextClassRef(methods)).toBe(expected);
  });
});

describe('buildAssertion', () => {
  it('writes whole-second UTC times: NotBefore 60 s back, NotOnOrAfter after the lifetime', () => {
    const doc = reparse(buildAssertion(input));
    expect(doc.documentElement!.getAttribute('IssueInstant')).toBe('2030-01-02T03:05:00Z');
    const conditions = doc.getElementsByTagNameNS(SAML_NS, 'Conditions')[0];
    expect(conditions.getAttribute('NotBefore')).toBe('2030-01-02T03:04:00Z');
    expect(conditions.getAttribute('NotOnOrAfter')).toBe('2030-01-02T03:07:00Z');
    expect(doc.getElementsByTagNameNS(SAML_NS, 'AuthnStatement')[0].getAttribute('AuthnInstant')).toBe('2030-01-02T03:04:05Z');
  });

  const basic = (name: string, value: Parameters<typeof typedAttributeValues>[0]) => ({
    name,
    nameFormat: ATTRNAME_FORMATS.basic,
    values: typedAttributeValues(value, 'auto'),
  });

  it('escapes markup in values instead of interpreting it', () => {
    const nameId = '</saml:NameID><saml:Attribute Name="admin"/>&x;';
    const doc = reparse(buildAssertion({ ...input, nameId: { ...input.nameId, value: nameId }, attributes: [basic('a"b', ['<v>', 2, true, null, { k: 1 }])] }));
    expect(doc.getElementsByTagNameNS(SAML_NS, 'NameID')[0].textContent).toBe(nameId);
    const attributes = doc.getElementsByTagNameNS(SAML_NS, 'Attribute');
    expect(attributes).toHaveLength(1);
    expect(attributes[0].getAttribute('Name')).toBe('a"b');
    const values = Array.from(attributes[0].getElementsByTagNameNS(SAML_NS, 'AttributeValue'));
    expect(values.map((v) => [v.textContent, v.getAttributeNS(XSI_NS, 'type')])).toEqual([
      ['<v>', 'xs:string'], ['2', 'xs:integer'], ['true', 'xs:boolean'], ['{"k":1}', 'xs:string'],
    ]);
    // The xs prefix of each xsi:type is declared on the value itself.
    for (const value of values) expect(value.lookupNamespaceURI('xs')).toBe(XS_NS);
  });

  it('refuses a principal XML cannot carry, and drops such attribute values', () => {
    expect(() => buildAssertion({ ...input, nameId: { ...input.nameId, value: 'a\u0000b' } })).toThrow(
      expect.objectContaining({ status: 400, code: 'unrepresentable_principal' }),
    );
    const doc = reparse(buildAssertion({ ...input, attributes: [basic('bad', 'x\u0001'), basic('mixed', ['ok', '\uFFFF'])] }));
    const attributes = Array.from(doc.getElementsByTagNameNS(SAML_NS, 'Attribute'));
    expect(attributes.map((a) => a.getAttribute('Name'))).toEqual(['mixed']);
    expect(isXmlText('\u{1F600} ok\t\n')).toBe(true);
    expect(samlTime(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });

  it('writes NameID qualifiers, InResponseTo on the confirmation, SessionNotOnOrAfter, NameFormat and FriendlyName', () => {
    const doc = reparse(
      buildAssertion({
        ...input,
        subjectConfirmation: 'BEARER',
        nameId: { value: 'x', format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', nameQualifier: 'https://idp.test', spNameQualifier: 'https://sp.test' },
        inResponseTo: '_request-1',
        sessionNotOnOrAfter: new Date('2030-01-02T11:04:05.678Z'),
        attributes: [{ name: 'urn:oid:0.9.2342.19200300.100.1.3', nameFormat: ATTRNAME_FORMATS.uri, friendlyName: 'mail', values: typedAttributeValues('a@b.c', 'auto') }],
      }),
    );
    const nameId = doc.getElementsByTagNameNS(SAML_NS, 'NameID')[0];
    expect([nameId.getAttribute('NameQualifier'), nameId.getAttribute('SPNameQualifier'), nameId.getAttribute('Format')]).toEqual([
      'https://idp.test', 'https://sp.test', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    ]);
    const data = doc.getElementsByTagNameNS(SAML_NS, 'SubjectConfirmationData')[0];
    expect([data.getAttribute('Recipient'), data.getAttribute('InResponseTo')]).toEqual(['https://sp.test/acs', '_request-1']);
    expect(doc.getElementsByTagNameNS(SAML_NS, 'AuthnStatement')[0].getAttribute('SessionNotOnOrAfter')).toBe('2030-01-02T11:04:05Z');
    const attribute = doc.getElementsByTagNameNS(SAML_NS, 'Attribute')[0];
    expect([attribute.getAttribute('NameFormat'), attribute.getAttribute('FriendlyName')]).toEqual([ATTRNAME_FORMATS.uri, 'mail']);
  });

  it('writes no InResponseTo, SessionNotOnOrAfter or qualifiers unless given', () => {
    const doc = reparse(buildAssertion({ ...input, subjectConfirmation: 'BEARER' }));
    expect(doc.getElementsByTagNameNS(SAML_NS, 'SubjectConfirmationData')[0].hasAttribute('InResponseTo')).toBe(false);
    expect(doc.getElementsByTagNameNS(SAML_NS, 'AuthnStatement')[0].hasAttribute('SessionNotOnOrAfter')).toBe(false);
    expect(doc.getElementsByTagNameNS(SAML_NS, 'NameID')[0].hasAttribute('NameQualifier')).toBe(false);
    expect(doc.getElementsByTagNameNS(SAML_NS, 'AttributeStatement')).toHaveLength(0);
  });
});

describe('readSaml2OutputState', () => {
  const refusal = (state: object) => {
    try {
      readSaml2OutputState(state as never);
    } catch (error) {
      return isStsError(error) ? [error.status, error.code] : error;
    }
    return 'accepted';
  };

  it('defaults to BEARER and accepts the three PingAM values', () => {
    expect(readSaml2OutputState({ token_type: 'SAML2' })).toEqual({ subjectConfirmation: 'BEARER' });
    expect(readSaml2OutputState({ subject_confirmation: 'SENDER_VOUCHES' })).toEqual({ subjectConfirmation: 'SENDER_VOUCHES' });
  });

  it.each([
    [{ subject_confirmation: 'bearer' }, [400, 'invalid_request']],
    [{ subject_confirmation: 'constructor' }, [400, 'invalid_request']],
    [{ subject_confirmation: null }, [400, 'invalid_request']],
    [{ subject_confirmation: 'HOLDER_OF_KEY' }, [400, 'invalid_request']],
    [{ subject_confirmation: 'HOLDER_OF_KEY', proof_token_state: 'MIIB' }, [400, 'invalid_request']],
    [{ subject_confirmation: 'HOLDER_OF_KEY', proof_token_state: { base64EncodedCertificate: 1 } }, [400, 'invalid_request']],
    [{ subject_confirmation: 'HOLDER_OF_KEY', proof_token_state: { base64EncodedCertificate: 'MIIB' } }, [400, 'invalid_proof_certificate']],
    [{ subject_confirmation: 'HOLDER_OF_KEY', proof_token_state: { base64EncodedCertificate: 'A'.repeat(20_000) } }, [400, 'invalid_proof_certificate']],
    // Token form and encoding: only the documented values.
    [{ token_form: 'Response' }, [400, 'invalid_request']],
    [{ token_form: 'envelope' }, [400, 'invalid_request']],
    [{ token_form: true }, [400, 'invalid_request']],
    [{ encoding: 'base64url' }, [400, 'invalid_request']],
    [{ encoding: 'XML' }, [400, 'invalid_request']],
    [{ encoding: null }, [400, 'invalid_request']],
    // InResponseTo: an xs:ID (NCName) of at most 256 characters.
    [{ in_response_to: '' }, [400, 'invalid_in_response_to']],
    [{ in_response_to: '1abc' }, [400, 'invalid_in_response_to']],
    [{ in_response_to: 'a:b' }, [400, 'invalid_in_response_to']],
    [{ in_response_to: 'a b' }, [400, 'invalid_in_response_to']],
    [{ in_response_to: 'id"><x' }, [400, 'invalid_in_response_to']],
    [{ in_response_to: `_${'a'.repeat(256)}` }, [400, 'invalid_in_response_to']],
    [{ in_response_to: 7 }, [400, 'invalid_in_response_to']],
    // The AuthnRequest: a non-empty string, by one binding only.
    [{ authn_request: '' }, [400, 'invalid_request']],
    [{ authn_request: { SAMLRequest: 'x' } }, [400, 'invalid_request']],
    [{ authn_request_query: 42 }, [400, 'invalid_request']],
    [{ authn_request: 'PHg+', authn_request_query: 'SAMLRequest=x' }, [400, 'invalid_request']],
  ])('%j -> %j', (state, expected) => {
    expect(refusal(state)).toEqual(expected);
  });

  it('reads token_form, encoding, in_response_to and the AuthnRequest of either binding', () => {
    expect(readSaml2OutputState({ token_form: 'response', encoding: 'base64', in_response_to: '_a1-b.c' })).toEqual({
      subjectConfirmation: 'BEARER',
      tokenForm: 'response',
      encoding: 'base64',
      inResponseTo: '_a1-b.c',
    });
    expect(readSaml2OutputState({ in_response_to: `_${'a'.repeat(255)}` }).inResponseTo).toHaveLength(256);
    expect(readSaml2OutputState({ in_response_to: 'ídé' }).inResponseTo).toBe('ídé');
    expect(readSaml2OutputState({ authn_request: 'PHg+' }).authnRequest).toEqual({ binding: 'post', message: 'PHg+' });
    expect(readSaml2OutputState({ authn_request_query: 'SAMLRequest=x&Signature=y' }).authnRequest).toEqual({
      binding: 'redirect',
      query: 'SAMLRequest=x&Signature=y',
    });
  });
});
