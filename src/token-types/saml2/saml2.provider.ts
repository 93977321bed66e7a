/**
 * Output type SAML2: a SAML 2.0 assertion (`saml2:` instance settings) with BEARER,
 * SENDER_VOUCHES or HOLDER_OF_KEY subject confirmation, signed (enveloped, RSA-SHA256, exclusive
 * c14n) and optionally encrypted to the SP (whole assertion, or NameID and/or attributes).
 * The issued token is the assertion's XML text; it expires at the Conditions' NotOnOrAfter.
 */
import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import type { JsonObject } from '../../plugin-api/json';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  IssuedTokenCheckParams,
  TokenProvider,
  TokenProviderParams,
} from '../../plugin-api/token-contract';
import type { Saml2Config, Saml2EncryptionConfig } from '../../realms/schema/saml2-config';
import { mapAttributes } from '../claim-mapping';
import { SAML_NS, XMLNS_NS } from './assertion-namespaces';
import { buildAssertion, isXmlText } from './assertion-builder';
import { readSaml2OutputState } from './assertion-output-state';
import { authnContextClassRef } from './authn-context';
import { verifyIssuedAssertion } from './issued-assertion-check';
import { prepareServiceProvider, serviceProviderFor } from './service-provider';
import { encryptXml, type SpEncryptionCertificate } from './xml-encryption';
import { signAssertionXml, xmlSigningKeyProblem } from './xml-signing';

const MAX_ATTRIBUTE_NAME_LENGTH = 1024;

export class Saml2TokenProvider implements TokenProvider {
  /** PingAM's name for an assertion in validated_token_state / cancelled_token_state. */
  readonly issuedTokenField = 'saml2_token';

  checkOutputTokenState(state: Readonly<JsonObject>): void {
    readSaml2OutputState(state);
  }

  async createToken({ principal, session, outputTokenState, realm, instance }: TokenProviderParams): Promise<IssuedToken> {
    const config = instance.settings.saml2!;
    const sp = serviceProviderFor(config);
    const { subjectConfirmation, proofCertificate } = readSaml2OutputState(outputTokenState);
    const doc = buildAssertion({
      issuer: config.issuer,
      audience: sp.entityId,
      recipient: sp.assertionConsumerServices[0].url,
      nameId: principal,
      nameIdFormat: config.name_id_format,
      lifetimeSeconds: config.token_lifetime_seconds,
      subjectConfirmation,
      proofCertificate,
      authnInstant: session?.authenticatedAt ?? new Date(),
      authnContextClassRef: authnContextClassRef(session?.authenticationMethods),
      attributes: mapAttributes(config.attribute_map, session?.attributes),
    });
    const facts = issuedFacts(doc, config.issuer, sp.entityId);
    const encryption = config.encryption;
    const spCertificate = sp.encryptionCertificate;
    if (encryption && !encryption.encrypt_assertion) await encryptParts(doc, encryption, spCertificate!);

    let xml = new XMLSerializer().serializeToString(doc);
    if (config.sign_assertion) xml = signAssertionXml(xml, realm.keys.get(config.signing_key!)!);
    if (encryption?.encrypt_assertion) {
      const wrapper = newSamlDocument('EncryptedAssertion');
      await appendEncrypted(wrapper.documentElement!, xml, spCertificate!);
      xml = new XMLSerializer().serializeToString(wrapper);
    }
    return { token: xml, ...facts };
  }

  verifyIssuedToken({ token, realm, instance }: IssuedTokenCheckParams): Promise<boolean> {
    const config = instance.settings.saml2;
    if (!config) return Promise.resolve(false);
    return verifyIssuedAssertion(token, config.signing_key === undefined ? undefined : realm.keys.get(config.signing_key), config.issuer);
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const saml2 = instance.settings.saml2;
    if (!saml2) return [{ path: 'saml2', message: 'missing; SAML2 output needs a saml2 section' }];
    const problems = textProblems(saml2);
    if (saml2.sign_assertion) {
      const problem =
        saml2.signing_key === undefined ? 'required when sign_assertion is true' : xmlSigningKeyProblem(saml2.signing_key, realm);
      if (problem) problems.push({ path: 'saml2.signing_key', message: problem });
    }
    for (const [name, source] of Object.entries(saml2.attribute_map)) {
      if (name.trim().length === 0 || name.length > MAX_ATTRIBUTE_NAME_LENGTH || !isXmlText(name)) {
        problems.push({ path: `saml2.attribute_map.${name}`, message: `not a usable SAML attribute name (1-${MAX_ATTRIBUTE_NAME_LENGTH} XML characters)` });
      } else if (source.length === 0) {
        problems.push({ path: `saml2.attribute_map.${name}`, message: 'names no identity attribute' });
      }
    }
    const encryption = saml2.encryption;
    if (encryption) {
      if (!encryption.encrypt_assertion && !encryption.encrypt_name_id && !encryption.encrypt_attributes) {
        problems.push({ path: 'saml2.encryption', message: 'encrypts nothing: set encrypt_assertion, encrypt_name_id or encrypt_attributes' });
      }
    }
    problems.push(...(await prepareServiceProvider(saml2, realm.configDir)));
    return problems;
  }
}

/** Expiry and introspection claims, read from the assertion as built (before any encryption hides them). */
function issuedFacts(doc: Document, issuer: string, audience: string): Omit<IssuedToken, 'token'> {
  const assertion = doc.documentElement!;
  const conditions = doc.getElementsByTagNameNS(SAML_NS, 'Conditions')[0]!;
  return {
    expiresAt: new Date(conditions.getAttribute('NotOnOrAfter')!),
    introspectionClaims: { iss: issuer, aud: audience, jti: assertion.getAttribute('ID')! },
  };
}

/** Values written verbatim into every assertion must be representable in XML. */
function textProblems(saml2: Saml2Config): ConfigurationProblem[] {
  const fields = ['issuer', 'sp_entity_id', 'sp_acs_url', 'name_id_format'] as const;
  return fields
    .filter((field) => saml2[field] !== undefined && (saml2[field].length === 0 || !isXmlText(saml2[field])))
    .map((field) => ({ path: `saml2.${field}`, message: 'must be a non-empty string of XML characters' }));
}

function newSamlDocument(rootName: string): Document {
  const doc = new DOMImplementation().createDocument(SAML_NS, `saml:${rootName}`, null);
  doc.documentElement!.setAttributeNS(XMLNS_NS, 'xmlns:saml', SAML_NS);
  return doc;
}

/** Encrypts `xml` and appends the resulting xenc:EncryptedData to `parent`. */
async function appendEncrypted(parent: Element, xml: string, to: SpEncryptionCertificate): Promise<void> {
  const encrypted = new DOMParser().parseFromString(await encryptXml(xml, to), 'text/xml');
  parent.appendChild(parent.ownerDocument!.importNode(encrypted.documentElement!, true));
}

/** NameID -> EncryptedID, each Attribute -> EncryptedAttribute (saml-core 2.2.4, 2.7.3.2). */
async function encryptParts(doc: Document, encryption: Saml2EncryptionConfig, to: SpEncryptionCertificate): Promise<void> {
  const targets: Array<[Element, string]> = [];
  if (encryption.encrypt_name_id) {
    for (const nameId of Array.from(doc.getElementsByTagNameNS(SAML_NS, 'NameID'))) targets.push([nameId, 'EncryptedID']);
  }
  if (encryption.encrypt_attributes) {
    for (const attribute of Array.from(doc.getElementsByTagNameNS(SAML_NS, 'Attribute'))) targets.push([attribute, 'EncryptedAttribute']);
  }
  for (const [element, wrapperName] of targets) {
    const wrapper = doc.createElementNS(SAML_NS, `saml:${wrapperName}`);
    // Serialized alone, the element declares the saml namespace itself.
    await appendEncrypted(wrapper, new XMLSerializer().serializeToString(element), to);
    element.parentNode!.replaceChild(wrapper, element);
  }
}
