/**
 * DirectLookupSignedXml must end exactly where xml-crypto's SignedXml ends, on well-formed and
 * hostile documents alike: same loaded signature, same verdict, same error, same references after
 * checkSignature (before it, only xml-crypto has read them: checkSignature reads them anew), whether
 * it checks the text (checkSignature) or the document the signature was loaded from
 * (checkDocumentSignature), and that document is left as it was.
 */
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { DirectLookupSignedXml } from './direct-lookup-signed-xml';

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ID = '_d1f2';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

interface SigningChoices {
  readonly transforms?: string[];
  readonly canonicalization?: string;
  readonly prefixList?: string[];
  /** The assertion inside a Response declaring more namespaces, which canonicalization reads as ancestors. */
  readonly inResponse?: boolean;
}

function signed({ transforms = [`${DS}enveloped-signature`, EXC_C14N], canonicalization = EXC_C14N, prefixList, inResponse }: SigningChoices = {}): string {
  const assertion =
    `<saml:Assertion xmlns:saml="${SAML}" ID="${ID}" Version="2.0"><saml:Issuer>https://idp.test</saml:Issuer>` +
    `<saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject><saml:Advice/></saml:Assertion>`;
  const xml = inResponse
    ? `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_r1">${assertion}</samlp:Response>`
    : assertion;
  const signer = new SignedXml({
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicCert: publicKey.export({ type: 'spki', format: 'pem' }),
    canonicalizationAlgorithm: canonicalization,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  });
  signer.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    transforms,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    ...(prefixList && { inclusiveNamespacesPrefixList: prefixList }),
  });
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
  return signer.getSignedXml();
}

const original = signed();
const signatureXml = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(original)![0];
const keyInfoXml = /<ds:KeyInfo>[\s\S]*<\/ds:KeyInfo>/.exec(original)?.[0] ?? '<ds:KeyInfo/>';
const signatureValue = /<ds:SignatureValue>([^<]*)<\/ds:SignatureValue>/.exec(original)![1];

const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

/** Signed other ways, each a path of canonicalization with or without xml-crypto's copy of the node. */
const signedOtherwise: Record<string, string> = {
  'signed inside a Response that declares more namespaces': signed({ inResponse: true }),
  'signed with inclusive canonicalization': signed({ transforms: [`${DS}enveloped-signature`, C14N], canonicalization: C14N, inResponse: true }),
  'signed with the enveloped transform alone': signed({ transforms: [`${DS}enveloped-signature`] }),
  'signed with a prefix list': signed({ prefixList: ['xs'], inResponse: true }),
  'signed, then a comment added': original.replace('<saml:Advice/>', '<saml:Advice><!-- not signed --></saml:Advice>'),
};

/** A signed assertion and changes to it, each taking one path of the look-ups. */
const documents: Record<string, string> = {
  'as signed': original,
  ...signedOtherwise,
  'content changed': original.replace('alice', 'mallory'),
  // Another first character, always (swapping the first two left it unchanged when they were equal).
  'signature value changed': original.replace(signatureValue, `${signatureValue[0] === 'A' ? 'B' : 'A'}${signatureValue.slice(1)}`),
  'second element with the ID': original.replace('<saml:Advice/>', `<saml:Advice ID="${ID}"/>`),
  'ID in a namespace declaration': original.replace('<saml:Advice/>', `<saml:Advice xmlns:ID="${ID}"/>`),
  'ID in a namespaced attribute': original.replace('<saml:Advice/>', `<saml:Advice xmlns:x="urn:x" x:ID="${ID}"/>`),
  'Id and id attributes': original.replace('<saml:Advice/>', `<saml:Advice Id="${ID}" id="${ID}"/>`),
  'reference to a missing element': original.replace(`URI="#${ID}"`, 'URI="#_missing"'),
  'reference with an empty URI': original.replace(`URI="#${ID}"`, 'URI=""'),
  'reference without a hash': original.replace(`URI="#${ID}"`, `URI="${ID}"`),
  'signature copied elsewhere': original.replace('<saml:Advice/>', `<saml:Advice>${signatureXml}</saml:Advice>`),
  'KeyInfo first, holding look-alikes': original
    .replace(keyInfoXml, '')
    .replace(
      '<ds:SignedInfo>',
      `<ds:KeyInfo><x:CanonicalizationMethod xmlns:x="urn:x" ALGORITHM="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>` +
        `<x:SignatureMethod xmlns:x="urn:x" x:Algorithm="urn:none"/><x:SignatureValue xmlns:x="urn:x">AAAA</x:SignatureValue></ds:KeyInfo><ds:SignedInfo>`,
    ),
  'SignatureValue as CDATA': original.replace(`<ds:SignatureValue>${signatureValue}`, `<ds:SignatureValue><![CDATA[${signatureValue}]]>`),
  'SignatureValue with a nested look-alike': original.replace(`<ds:SignatureValue>${signatureValue}`, `<ds:SignatureValue><SignatureValue>AAAA</SignatureValue>${signatureValue}`),
  'inclusive canonicalization declared': original.replace(`<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"`, '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"'),
  'Reference without DigestMethod': original.replace(/<ds:DigestMethod [^>]*\/>/, ''),
  'Reference with two DigestValues': original.replace(/(<ds:DigestValue>[^<]*<\/ds:DigestValue>)/, '$1$1'),
  'SignedInfo without Reference': original.replace(/<ds:Reference [\s\S]*<\/ds:Reference>/, ''),
  'two SignedInfo': original.replace(/(<ds:SignedInfo>[\s\S]*<\/ds:SignedInfo>)/, '$1$1'),
  'no SignatureMethod': original.replace(/<ds:SignatureMethod [^>]*\/>/, ''),
  'a comment and a processing instruction in the assertion': original.replace('<saml:Advice/>', '<saml:Advice><!-- note --><?pi data?></saml:Advice>'),
  'prefix list on the reference': original.replace(
    `<ds:Transform Algorithm="${EXC_C14N}"/>`,
    `<ds:Transform Algorithm="${EXC_C14N}"><ec:InclusiveNamespaces xmlns:ec="${EXC_C14N}" PrefixList="saml xs"/></ds:Transform>`,
  ),
  'prefix list on SignedInfo': original.replace(
    `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"/>`,
    `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"><ec:InclusiveNamespaces xmlns:ec="${EXC_C14N}" PrefixList="saml"/></ds:CanonicalizationMethod>`,
  ),
  'canonicalization with comments': original.replace(`<ds:Transform Algorithm="${EXC_C14N}"/>`, `<ds:Transform Algorithm="${EXC_C14N}WithComments"/>`),
  'only the enveloped transform': original.replace(`<ds:Transform Algorithm="${EXC_C14N}"/>`, ''),
  'canonicalization before the enveloped transform': original.replace(
    `<ds:Transform Algorithm="${DS}enveloped-signature"/><ds:Transform Algorithm="${EXC_C14N}"/>`,
    `<ds:Transform Algorithm="${EXC_C14N}"/><ds:Transform Algorithm="${DS}enveloped-signature"/>`,
  ),
  'no transforms': original.replace(/<ds:Transforms>[\s\S]*<\/ds:Transforms>/, ''),
  'signature outside the signed element': `<w:Wrapper xmlns:w="urn:w">${original.replace(signatureXml, '')}${signatureXml}</w:Wrapper>`,
  'deeply nested content': original.replace('<saml:Advice/>', `<saml:Advice>${'<x:e xmlns:x="urn:x">'.repeat(500)}${'</x:e>'.repeat(500)}</saml:Advice>`),
  'in a Response, a look-alike SignedInfo first': `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:p="urn:p"><p:SignedInfo xmlns:q="urn:q"/>${original}</samlp:Response>`,
};

/** The first refusal, from loadSignature or checkSignature; or the verdict and the state on the way. */
type Outcome = { error: string; signedReferences: string[] } | { loaded: unknown; verdict: boolean; after: unknown; signedReferences: string[] };

function snapshot(verifier: SignedXml, withReferences = true): unknown {
  const state = verifier as unknown as Record<string, unknown>;
  const references = (state.references as Record<string, unknown>[]).map((reference) => {
    const { getValidatedNode: _unused, validationError, ...rest } = reference;
    return { ...rest, validationError: (validationError as Error | undefined)?.message };
  });
  return {
    canonicalizationAlgorithm: state.canonicalizationAlgorithm,
    signatureAlgorithm: state.signatureAlgorithm,
    signatureValue: state.signatureValue,
    keyInfo: String(state.keyInfo),
    ...(withReferences && { references }),
  };
}

/** How the verifier is asked: checkSignature on the text, or checkDocumentSignature on the parsed document. */
type Check = 'text' | 'document';

function outcome(Verifier: typeof SignedXml, xml: string, key: KeyObject, idAttributes?: string[], check: Check = 'text'): Outcome {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const signature = document.getElementsByTagNameNS(DS, 'Signature')[0] as Element;
  const verifier = new Verifier({ publicCert: key, getCertFromKeyInfo: () => null });
  if (idAttributes) verifier.idAttributes = idAttributes;
  try {
    verifier.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
    const loaded = snapshot(verifier, false);
    const verdict = check === 'text' ? verifier.checkSignature(xml) : (verifier as DirectLookupSignedXml).checkDocumentSignature(document);
    return { loaded, verdict, after: snapshot(verifier), signedReferences: verifier.getSignedReferences() };
  } catch (error) {
    return { error: (error as Error).message, signedReferences: verifier.getSignedReferences() };
  } finally {
    // Taking the enveloped signature out for canonicalization and putting it back leaves no trace.
    expect(new XMLSerializer().serializeToString(document)).toBe(new XMLSerializer().serializeToString(new DOMParser().parseFromString(xml, 'text/xml')));
  }
}

describe('DirectLookupSignedXml', () => {
  it('overrides private methods of the xml-crypto version it was written against', () => {
    const { version } = JSON.parse(readFileSync(join(require.resolve('xml-crypto'), '..', '..', 'package.json'), 'utf8')) as { version: string };
    // A new version: compare the overrides with its code, then change this line.
    expect(version).toBe('6.3.2');
  });

  it('has documents that each differ from the signed one', () => {
    for (const [name, xml] of Object.entries(documents)) if (name !== 'as signed') expect(xml).not.toBe(original);
  });

  it('verifies the untouched assertion, from its text and from its document', () => {
    for (const check of ['text', 'document'] as const) {
      expect(outcome(DirectLookupSignedXml, original, publicKey, ['ID'], check)).toMatchObject({ verdict: true, signedReferences: [expect.stringContaining('alice')] });
    }
  });

  for (const [name, xml] of Object.entries(signedOtherwise)) {
    it(`verifies from its document: ${name}`, () => {
      expect(outcome(DirectLookupSignedXml, xml, publicKey, ['ID'], 'document')).toMatchObject({ verdict: true, signedReferences: [expect.stringContaining('alice')] });
    });
  }

  it('refuses a changed assertion from its document', () => {
    expect(outcome(DirectLookupSignedXml, original.replace('alice', 'mallory'), publicKey, ['ID'], 'document')).toMatchObject({ verdict: false, signedReferences: [] });
  });

  for (const [name, xml] of Object.entries(documents)) {
    it(`ends as xml-crypto does: ${name}`, () => {
      for (const idAttributes of [['ID'], undefined]) {
        const expected = outcome(SignedXml, xml, publicKey, idAttributes);
        expect(outcome(DirectLookupSignedXml, xml, publicKey, idAttributes)).toEqual(expected);
        expect(outcome(DirectLookupSignedXml, xml, publicKey, idAttributes, 'document')).toEqual(expected);
      }
    });
  }
});

describe('DirectLookupSignedXml signing', () => {
  const assertion = `<saml:Assertion xmlns:saml="${SAML}" ID="_a1" Version="2.0"><saml:Issuer>https://idp.test</saml:Issuer><saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject></saml:Assertion>`;
  const response = (inner: string) =>
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_r1"><saml:Issuer xmlns:saml="${SAML}">https://idp.test</saml:Issuer>${inner}</samlp:Response>`;

  interface Case {
    readonly xml: string;
    readonly transforms?: string[];
    readonly prefixList?: string[];
    readonly location: { reference: string; action: 'after' | 'prepend' };
  }
  const afterIssuer = { reference: "/*/*[local-name()='Issuer']", action: 'after' } as const;
  const cases: Record<string, Case> = {
    'an assertion, after its Issuer': { xml: assertion, location: afterIssuer },
    'an assertion, first child': { xml: assertion, location: { reference: '/*', action: 'prepend' } },
    'a Response around a signed assertion': { xml: response(signed()), location: afterIssuer },
    'with inclusive canonicalization': { xml: response(assertion), transforms: [`${DS}enveloped-signature`, C14N], location: afterIssuer },
    'with a prefix list': { xml: response(assertion), prefixList: ['xs'], location: afterIssuer },
    'with a comment in the signed element': { xml: assertion.replace('</saml:Subject>', '</saml:Subject><!-- c -->'), location: afterIssuer },
  };

  function signWith(Signer: typeof SignedXml, { xml, transforms = [`${DS}enveloped-signature`, EXC_C14N], prefixList, location }: Case): string {
    const signer = new Signer({
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      canonicalizationAlgorithm: EXC_C14N,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
    signer.addReference({ xpath: '/*', transforms, digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256', ...(prefixList && { inclusiveNamespacesPrefixList: prefixList }) });
    signer.computeSignature(xml, { prefix: 'ds', location });
    return signer.getSignedXml();
  }

  for (const [name, each] of Object.entries(cases)) {
    it(`writes what xml-crypto writes, and it verifies: ${name}`, () => {
      const ours = signWith(DirectLookupSignedXml, each);
      expect(ours).toBe(signWith(SignedXml, each));
      const document = new DOMParser().parseFromString(ours, 'text/xml');
      const verifier = new DirectLookupSignedXml({ publicCert: publicKey, getCertFromKeyInfo: () => null });
      verifier.loadSignature(document.documentElement!.getElementsByTagNameNS(DS, 'Signature')[0] as never);
      // The outer signature comes first in document order: the Response's, when there are two.
      expect(verifier.checkDocumentSignature(document)).toBe(true);
    });
  }
});
