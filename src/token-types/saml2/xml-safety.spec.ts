import fc from 'fast-check';
import { decodeSamlDocument, parseStrictXml, refuseDtd } from './xml-safety';

const code = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('decodeSamlDocument', () => {
  it('takes raw XML as it is and base64 decoded', () => {
    expect(decodeSamlDocument('  <a/>', 1024)).toBe('  <a/>');
    expect(decodeSamlDocument(Buffer.from('<a>é</a>').toString('base64'), 1024)).toBe('<a>é</a>');
    expect(decodeSamlDocument(`${Buffer.from('<a/>').toString('base64')}\n`, 1024)).toBe('<a/>');
  });

  it('refuses documents over the limit, in UTF-8 bytes, raw or base64, before decoding', () => {
    expect(code(() => decodeSamlDocument(`<a>${'x'.repeat(1100)}</a>`, 1024))).toBe('saml_document_too_large');
    expect(code(() => decodeSamlDocument(`<a>${'é'.repeat(600)}</a>`, 1024))).toBe('saml_document_too_large');
    expect(code(() => decodeSamlDocument(Buffer.from(`<a>${'x'.repeat(1100)}</a>`).toString('base64'), 1024))).toBe('saml_document_too_large');
    expect(code(() => decodeSamlDocument('A'.repeat(100_000), 1024))).toBe('saml_document_too_large');
  });

  it('refuses what is neither XML nor base64 of UTF-8 XML', () => {
    expect(code(() => decodeSamlDocument('not base64 !', 1024))).toBe('malformed_saml');
    expect(code(() => decodeSamlDocument(Buffer.from('hello').toString('base64'), 1024))).toBe('malformed_saml');
    expect(code(() => decodeSamlDocument(Buffer.from([0x3c, 0x61, 0xff, 0x3e]).toString('base64'), 1024))).toBe('malformed_saml');
  });

  it('refuses a DTD hidden in base64', () => {
    expect(code(() => decodeSamlDocument(Buffer.from('<!DOCTYPE a><a/>').toString('base64'), 1024))).toBe('saml_dtd_forbidden');
  });
});

describe('refuseDtd', () => {
  it.each([
    '<!DOCTYPE a><a/>',
    '<a><!ENTITY x "y"></a>',
    '<!doctype a><a/>',
    '<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "http://evil.test/a.dtd"><a/>',
    '<a><!ELEMENT b ANY></a>',
    '<! DOCTYPE a><a/>',
    '<a><!\tentity x "y"></a>',
    '<a><!-x--></a>',
    '<a><![INCLUDE[ x ]]></a>',
    '<a><![CDATA x]]></a>',
  ])('refuses %j', (xml) => {
    expect(code(() => refuseDtd(xml))).toBe('saml_dtd_forbidden');
  });

  it('refuses every text where `<!` opens a DOCTYPE or ENTITY, in any case, with or without spaces between', () => {
    const names = (text: string) => /<!\s*(DOCTYPE|ENTITY)/i.test(text);
    const pieces = fc.constantFrom('<!', '<!--', '-->', '<![CDATA[', ']]>', 'DOCTYPE', 'entity', ' ', '\n', '<a>', '</a>', 'x', '-', '[');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        if (names(text)) expect(code(() => refuseDtd(text))).toBe('saml_dtd_forbidden');
      }),
      { numRuns: 2000 },
    );
  });

  it('lets comments and CDATA through (the assertion checks refuse comments later)', () => {
    expect(() => refuseDtd('<a><!-- c --><![CDATA[x]]></a>')).not.toThrow();
  });
});

describe('parseStrictXml', () => {
  it('parses well-formed XML', () => {
    expect(parseStrictXml('<a xmlns="urn:x"><b/></a>').documentElement?.localName).toBe('a');
  });

  it.each(['<a><b></a>', '<a>&unknown;</a>', '<a x="1" x="2"/>', '<a/><b/>', '<a/>trailing', '<p:a/>', ''])(
    'refuses %p as malformed instead of recovering',
    (xml) => {
      expect(code(() => parseStrictXml(xml))).toBe('malformed_saml');
    },
  );

  // The installed parser checks end tags with a RegExp built once (scripts/patch-dependencies.js):
  // the same answers as the release, which builds it for every end tag.
  it.each(['<a></a >', '<a></a\n>', '<a></a\t\r\n>', '<p:a xmlns:p="urn:x"><p:b></p:b></p:a>'])('reads the end tag of %p', (xml) => {
    expect(parseStrictXml(xml).documentElement?.localName).toBe('a');
  });

  it.each([
    ['<a></a b>', 'end tag name contains invalid characters'],
    ['<a></ a>', 'end tag name contains invalid characters'],
    ['<a></a$>', 'end tag name contains invalid characters'],
    ['<a></a:>', 'end tag name contains invalid characters'],
    ['<a></1a>', 'end tag name contains invalid characters'],
    ['<a></a', 'end tag name contains invalid characters'],
    ['<a></a\nb>', 'end tag name is followed by a line break and trailing content'],
    ['<a></>', 'end tag name missing'],
    ['<a></b>', 'Opening and ending tag mismatch'],
  ])('refuses the end tag of %p (%s)', (xml, reason) => {
    let refusal: { code?: string; cause?: Error } | undefined;
    try {
      parseStrictXml(xml);
    } catch (error) {
      refusal = error as typeof refusal;
    }
    expect(refusal?.code).toBe('malformed_saml');
    expect(refusal?.cause?.message).toContain(reason);
  });
});
