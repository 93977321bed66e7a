/**
 * The cheap gate every SAML document passes before any parsing or signature work: size, encoding,
 * no DTD (so no entity expansion, XXE or billion laughs), then a strict parse that refuses what
 * xmldom would otherwise log and recover from.
 */
import { DOMParser, type Document } from '@xmldom/xmldom';
import { InvalidRequestError } from '../../errors/sts-errors';

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The document as text: raw XML when the first non-space character is `<`, base64 of it otherwise.
 * Too large -> 400 saml_document_too_large, checked before decoding as far as the encoding allows.
 */
export function decodeSamlDocument(token: string, maxBytes: number): string {
  const tooLarge = () =>
    new InvalidRequestError(`The SAML document is larger than the ${maxBytes} bytes this instance accepts.`, { code: 'saml_document_too_large' });
  let bytes: Buffer;
  if (token.trimStart().startsWith('<')) {
    // UTF-16 length is a lower bound of the UTF-8 length: refuse the obvious case without encoding.
    if (token.length > maxBytes) throw tooLarge();
    bytes = Buffer.from(token, 'utf8');
  } else {
    if (token.length > Math.ceil(maxBytes / 3) * 4 + 4096) throw tooLarge();
    if (!BASE64.test(token)) throw malformed('it is neither XML nor base64');
    bytes = Buffer.from(token.replace(/\s+/g, ''), 'base64');
  }
  if (bytes.length > maxBytes) throw tooLarge();
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw malformed('it is not UTF-8');
  }
  if (!text.trimStart().startsWith('<')) throw malformed('it does not start with an XML element');
  refuseDtd(text);
  return text;
}

/**
 * Refuses document type declarations and markup declarations anywhere, before the parser sees
 * them: `<!` may only open a comment or a CDATA section (so `<!DOCTYPE`, `<! ENTITY` and the
 * rest, in any case, are all refused by this one test).
 */
export function refuseDtd(text: string): void {
  if (/<!(?!--|\[CDATA\[)/.test(text)) {
    throw new InvalidRequestError('The SAML document contains a DOCTYPE or markup declaration, which is never accepted.', {
      code: 'saml_dtd_forbidden',
    });
  }
}

/** Parses strictly: any warning or error of the parser refuses the document (400 malformed_saml). */
export function parseStrictXml(text: string): Document {
  refuseDtd(text);
  const parser = new DOMParser({
    onError: (level, message) => {
      throw new XmlParseError(`${level}: ${message}`);
    },
  });
  let document: Document;
  try {
    document = parser.parseFromString(text, 'text/xml');
  } catch (error) {
    throw malformed('it is not well-formed XML', error);
  }
  if (document.doctype) {
    throw new InvalidRequestError('The SAML document has a document type declaration.', { code: 'saml_dtd_forbidden' });
  }
  if (!document.documentElement) throw malformed('it has no root element');
  return document;
}

class XmlParseError extends Error {}

function malformed(why: string, cause?: unknown): InvalidRequestError {
  return new InvalidRequestError(`The SAML document cannot be read: ${why}.`, { code: 'malformed_saml', cause });
}
