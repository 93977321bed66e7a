import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { isStsError } from '../../errors/sts-errors';
import { buildAssertion, isXmlText, samlTime, type AssertionInput } from './assertion-builder';
import { SAML_NS } from './assertion-namespaces';
import { readSaml2OutputState } from './assertion-output-state';
import { AUTHN_CONTEXT, authnContextClassRef } from './authn-context';

const input: AssertionInput = {
  issuer: 'https://idp.test',
  audience: 'https://sp.test',
  recipient: 'https://sp.test/acs',
  nameId: 'alice',
  nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  lifetimeSeconds: 120,
  subjectConfirmation: 'SENDER_VOUCHES',
  authnInstant: new Date('2030-01-02T03:04:05.678Z'),
  authnContextClassRef: AUTHN_CONTEXT.UNSPECIFIED,
  attributes: {},
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

  it('escapes markup in values instead of interpreting it', () => {
    const nameId = '</saml:NameID><saml:Attribute Name="admin"/>&x;';
    const doc = reparse(buildAssertion({ ...input, nameId, attributes: { 'a"b': ['<v>', 2, true, null, { k: 1 }] } }));
    expect(doc.getElementsByTagNameNS(SAML_NS, 'NameID')[0].textContent).toBe(nameId);
    const attributes = doc.getElementsByTagNameNS(SAML_NS, 'Attribute');
    expect(attributes).toHaveLength(1);
    expect(attributes[0].getAttribute('Name')).toBe('a"b');
    expect(Array.from(attributes[0].getElementsByTagNameNS(SAML_NS, 'AttributeValue')).map((v) => v.textContent)).toEqual([
      '<v>', '2', 'true', '{"k":1}',
    ]);
  });

  it('refuses a principal XML cannot carry, and drops such attribute values', () => {
    expect(() => buildAssertion({ ...input, nameId: 'a\u0000b' })).toThrow(expect.objectContaining({ status: 400, code: 'unrepresentable_principal' }));
    const doc = reparse(buildAssertion({ ...input, attributes: { bad: 'x\u0001', mixed: ['ok', '\uFFFF'] } }));
    const attributes = Array.from(doc.getElementsByTagNameNS(SAML_NS, 'Attribute'));
    expect(attributes.map((a) => a.getAttribute('Name'))).toEqual(['mixed']);
    expect(isXmlText('\u{1F600} ok\t\n')).toBe(true);
    expect(samlTime(new Date(0))).toBe('1970-01-01T00:00:00Z');
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
  ])('%j -> %j', (state, expected) => {
    expect(refusal(state)).toEqual(expected);
  });
});
