/** Reading an (already verified) assertion: windows, audience, confirmation, subject, attributes. */
import { parseStrictXml } from './xml-safety';
import { readAssertion, type AssertionChecks } from './validation-assertion';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const RECIPIENT = 'https://sts.test/rest-sts/saml';
const CHECKS: AssertionChecks = { audience: 'https://sts.test', recipients: ['https://sts.test/oauth2/saml/token', RECIPIENT], clockSkewMs: 60_000, now: NOW };
const at = (seconds: number) => new Date(NOW + seconds * 1000).toISOString();

function assertion(parts: { subject?: string; conditions?: string; statements?: string } = {}): string {
  return (
    `<saml:Assertion xmlns:saml="${SAML}" ID="_a1" Version="2.0"><saml:Issuer>https://idp.test</saml:Issuer>` +
    (parts.subject ??
      `<saml:Subject><saml:NameID>alice</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
        `<saml:SubjectConfirmationData NotOnOrAfter="${at(120)}" Recipient="${RECIPIENT}"/></saml:SubjectConfirmation></saml:Subject>`) +
    (parts.conditions ??
      `<saml:Conditions NotBefore="${at(-10)}" NotOnOrAfter="${at(300)}"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>`) +
    (parts.statements ?? '') +
    `</saml:Assertion>`
  );
}

const read = (xml: string, checks = CHECKS) => readAssertion(parseStrictXml(xml).documentElement!, checks);
const code = (xml: string, checks = CHECKS): string | undefined => {
  try {
    read(xml, checks);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('readAssertion', () => {
  it('reads the subject, the earliest expiry, authentication and attributes', () => {
    const statements =
      `<saml:AuthnStatement AuthnInstant="2029-12-31T23:00:00Z"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:X509</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement><saml:Attribute Name="mail"><saml:AttributeValue>a@x</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="groups"><saml:AttributeValue>g1</saml:AttributeValue><saml:AttributeValue>g2</saml:AttributeValue></saml:Attribute>` +
      `<saml:Attribute Name="__proto__"><saml:AttributeValue>p</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>`;
    const result = read(assertion({ statements }));
    expect(result).toMatchObject({
      issuer: 'https://idp.test',
      nameId: 'alice',
      notOnOrAfter: NOW + 120_000,
      authenticatedAt: new Date('2029-12-31T23:00:00Z'),
      authenticationMethods: ['x509'],
    });
    expect(Object.getPrototypeOf(result.attributes)).toBe(Object.prototype);
    expect(Object.entries(result.attributes)).toEqual([
      ['mail', 'a@x'],
      ['groups', ['g1', 'g2']],
      ['__proto__', 'p'],
    ]);
  });

  it('maps password classes to pwd and anything else to saml', () => {
    const statement = (ref: string) =>
      `<saml:AuthnStatement AuthnInstant="${at(0)}"><saml:AuthnContext><saml:AuthnContextClassRef>${ref}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
    expect(read(assertion({ statements: statement('urn:oasis:names:tc:SAML:2.0:ac:classes:Password') })).authenticationMethods).toEqual(['pwd']);
    expect(read(assertion({ statements: statement('urn:example:mfa') })).authenticationMethods).toEqual(['saml']);
    expect(read(assertion()).authenticatedAt).toBeUndefined();
  });

  it('reads the AuthnContextClassRef as it stands (the ID token acr), and none without an AuthnStatement', () => {
    const statement = `<saml:AuthnStatement AuthnInstant="${at(0)}"><saml:AuthnContext><saml:AuthnContextClassRef> urn:example:mfa </saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
    expect(read(assertion({ statements: statement })).authnContextClassRef).toBe('urn:example:mfa');
    expect(read(assertion()).authnContextClassRef).toBeUndefined();
  });

  it('enforces the windows with the clock skew', () => {
    expect(code(assertion(), { ...CHECKS, now: NOW + 300_000 + 59_000 })).toBe('saml_assertion_expired'); // bearer data ends first
    expect(code(assertion({ conditions: `<saml:Conditions NotOnOrAfter="${at(-61)}"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>` }))).toBe('saml_assertion_expired');
    expect(code(assertion({ conditions: `<saml:Conditions NotBefore="${at(61)}"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>` }))).toBe('saml_assertion_not_yet_valid');
    expect(code(assertion({ conditions: `<saml:Conditions NotBefore="${at(59)}"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>` }))).toBeUndefined();
  });

  it('refuses an expired bearer confirmation even when the conditions are still valid', () => {
    expect(code(assertion(), { ...CHECKS, now: NOW + 181_000 })).toBe('saml_assertion_expired');
  });

  it('requires every AudienceRestriction to name this STS', () => {
    const two = `<saml:Conditions NotOnOrAfter="${at(300)}"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction><saml:AudienceRestriction><saml:Audience>https://other</saml:Audience></saml:AudienceRestriction></saml:Conditions>`;
    expect(code(assertion({ conditions: two }))).toBe('saml_audience_mismatch');
    expect(code(assertion({ conditions: `<saml:Conditions NotOnOrAfter="${at(300)}"/>` }))).toBe('saml_audience_mismatch');
  });

  it('requires a NameID, a bearer confirmation and some expiry', () => {
    expect(code(assertion({ subject: '<saml:Subject><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject>' }))).toBe('saml_subject_missing');
    expect(code(assertion({ subject: '<saml:Subject><saml:NameID> </saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject>' }))).toBe('saml_subject_missing');
    expect(code(assertion({ subject: '<saml:Subject><saml:NameID>a</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"/></saml:Subject>' }))).toBe('saml_subject_confirmation_invalid');
    const noExpiry = assertion({
      subject: '<saml:Subject><saml:NameID>a</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject>',
      conditions: '<saml:Conditions><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>',
    });
    expect(code(noExpiry)).toBe('saml_assertion_invalid');
  });

  it('requires a bearer confirmation whose Recipient is one of the recipients, compared as exact strings', () => {
    const bearer = (data: string) => `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">${data}</saml:SubjectConfirmation>`;
    const subject = (...confirmations: string[]) => assertion({ subject: `<saml:Subject><saml:NameID>a</saml:NameID>${confirmations.join('')}</saml:Subject>` });
    const data = (recipient: string) => bearer(`<saml:SubjectConfirmationData Recipient="${recipient}"/>`);
    expect(code(subject(data('https://other.test/acs')))).toBe('saml_recipient_mismatch');
    expect(code(subject(data(`${RECIPIENT}/`)))).toBe('saml_recipient_mismatch');
    expect(code(subject(bearer('<saml:SubjectConfirmationData/>')))).toBe('saml_recipient_mismatch');
    expect(code(subject(bearer('')))).toBe('saml_recipient_mismatch');
    expect(code(subject(data(` ${RECIPIENT} `)))).toBeUndefined();
    expect(code(subject(data('https://other.test/acs'), data('https://sts.test/oauth2/saml/token')))).toBeUndefined();
  });

  it('names what it found and what it accepts, each value cut short', () => {
    const long = `https://other.test/${'x'.repeat(5000)}`;
    const xml = assertion({ subject: `<saml:Subject><saml:NameID>a</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData Recipient="${long}"/></saml:SubjectConfirmation></saml:Subject>` });
    const message = (() => {
      try {
        read(xml);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain(`found: "https://other.test/${'x'.repeat(181)}"`);
    expect(message).toContain(`accepted: "https://sts.test/oauth2/saml/token", "${RECIPIENT}"`);
    expect(message!.length).toBeLessThan(400);
  });

  it('refuses times that are not xs:dateTime with a zone', () => {
    expect(code(assertion({ conditions: '<saml:Conditions NotOnOrAfter="2030-01-01 12:00"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>' }))).toBe('saml_assertion_invalid');
    expect(code(assertion({ conditions: '<saml:Conditions NotOnOrAfter="2030-01-01T12:00:00"><saml:AudienceRestriction><saml:Audience>https://sts.test</saml:Audience></saml:AudienceRestriction></saml:Conditions>' }))).toBe('saml_assertion_invalid');
  });
});
