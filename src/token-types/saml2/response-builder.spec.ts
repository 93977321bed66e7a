import { DOMParser, type Element } from '@xmldom/xmldom';
import { SAML_NS, SAMLP_NS } from './assertion-namespaces';
import { buildResponse } from './response-builder';

const assertionXml = '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0" IssueInstant="2030-01-02T03:04:05Z"><saml:Issuer>x</saml:Issuer></saml:Assertion>';

describe('buildResponse', () => {
  it('writes the Response attributes and children in schema order, the assertion unchanged', () => {
    const xml = buildResponse({ issuer: 'https://idp.test', destination: 'https://sp.test/acs', inResponseTo: '_r1', assertionXml, now: new Date('2030-01-02T03:04:05.900Z') });
    const response = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect([response.namespaceURI, response.prefix, response.localName]).toEqual([SAMLP_NS, 'samlp', 'Response']);
    expect(response.getAttribute('ID')).toMatch(/^_[0-9a-f]{32}$/);
    expect(response.getAttribute('ID')).not.toBe('_a');
    expect([response.getAttribute('InResponseTo'), response.getAttribute('Version'), response.getAttribute('IssueInstant'), response.getAttribute('Destination')]).toEqual([
      '_r1', '2.0', '2030-01-02T03:04:05Z', 'https://sp.test/acs',
    ]);
    const children = Array.from(response.childNodes).filter((node) => node.nodeType === 1) as Element[];
    expect(children.map((child) => [child.namespaceURI, child.localName])).toEqual([
      [SAML_NS, 'Issuer'], [SAMLP_NS, 'Status'], [SAML_NS, 'Assertion'],
    ]);
    expect(xml).toContain(assertionXml);
  });

  it('writes no InResponseTo for an IdP-initiated Response, and escapes what it writes', () => {
    const xml = buildResponse({ issuer: 'https://idp.test/?a=1&b=<2>', destination: 'https://sp.test/acs?x="y"', assertionXml });
    const response = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
    expect(response.hasAttribute('InResponseTo')).toBe(false);
    expect(response.getAttribute('Destination')).toBe('https://sp.test/acs?x="y"');
    expect(response.getElementsByTagNameNS(SAML_NS, 'Issuer')[0].textContent).toBe('https://idp.test/?a=1&b=<2>');
  });
});
