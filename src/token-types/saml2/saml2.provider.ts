/**
 * Output type SAML2: a SAML 2.0 assertion (`saml2:` instance settings) with BEARER,
 * SENDER_VOUCHES or HOLDER_OF_KEY subject confirmation, signed (enveloped, exclusive c14n) and
 * optionally encrypted to the SP (whole assertion, or NameID and/or attributes), bare or in a
 * samlp:Response (itself optionally signed), as XML text or base64. In SP-initiated SSO the SP's
 * AuthnRequest (or its ID) gives InResponseTo and the ACS URL. The order is fixed: sign the
 * assertion, encrypt it, wrap it in the Response, sign the Response. The token expires at the
 * Conditions' NotOnOrAfter.
 */
import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { InvalidRequestError } from '../../errors/sts-errors';
import type { JsonObject } from '../../plugin-api/json';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  IssuedToken,
  IssuedTokenCheckParams,
  RealmKey,
  StsInstanceContext,
  TokenProvider,
  TokenProviderParams,
} from '../../plugin-api/token-contract';
import type { Saml2Config, Saml2EncryptionConfig } from '../../realms/schema/saml2-config';
import { SAML_NS, XMLNS_NS } from './assertion-namespaces';
import { buildAssertion } from './assertion-builder';
import { readSaml2OutputState } from './assertion-output-state';
import { attributeProblems, configuredAttributes, releasedAttributes } from './attribute-release';
import { authnContextClassRef } from './authn-context';
import { readAuthnRequest, type AuthnRequestFacts, type AuthnRequestOptions } from './authn-request';
import { verifyIssuedAssertion } from './issued-assertion-check';
import { nameIdProblems, resolveNameId } from './name-id';
import { buildResponse } from './response-builder';
import { prepareServiceProvider, serviceProviderFor } from './service-provider';
import { encryptXml, type SpEncryptionCertificate, type XmlEncryptionAlgorithms } from './xml-encryption';
import { isXmlText } from './xml-names';
import { signAfterIssuer, signatureAlgorithmProblem, signatureOptionsOf, xmlSigningKeyProblem } from './xml-signing';

export class Saml2TokenProvider implements TokenProvider {
  /** PingAM's name for an assertion in validated_token_state / cancelled_token_state. */
  readonly issuedTokenField = 'saml2_token';

  checkOutputTokenState(state: Readonly<JsonObject>, instance: StsInstanceContext): void {
    readSaml2OutputState(state, { requireSubjectConfirmation: instance.settings.pingam_compatibility });
  }

  async createToken({ principal, session, outputTokenState, realm, instance, exchange }: TokenProviderParams): Promise<IssuedToken> {
    const config = instance.settings.saml2!;
    const sp = serviceProviderFor(config);
    const state = readSaml2OutputState(outputTokenState, { requireSubjectConfirmation: instance.settings.pingam_compatibility });
    // The token endpoint (RFC 8693 section 3) hands out a bare assertion, base64url-encoded by itself.
    const tokenForm = exchange ? 'assertion' : (state.tokenForm ?? config.token_form);
    const encoding = exchange ? 'xml' : (state.encoding ?? config.encoding);
    const request = state.authnRequest ? answeredRequest(readAuthnRequest(state.authnRequest, sp, authnRequestOptions(config)), state.inResponseTo) : undefined;
    const inResponseTo = request?.id ?? state.inResponseTo;
    const acsUrl = request?.assertionConsumerServiceUrl ?? sp.assertionConsumerServices[0].url;
    const authnInstant = session?.authenticatedAt ?? new Date();

    const doc = buildAssertion({
      issuer: config.issuer,
      audience: sp.entityId,
      recipient: acsUrl,
      nameId: resolveNameId({ config, sp, keys: realm.keys, principal, identity: session?.attributes, requestedFormat: request?.nameIdFormat }),
      lifetimeSeconds: config.token_lifetime_seconds,
      subjectConfirmation: state.subjectConfirmation,
      proofCertificate: state.proofCertificate,
      inResponseTo,
      authnInstant,
      authnContextClassRef: authnContextClassRef(session?.authenticationMethods),
      ...(config.session_lifetime_seconds !== undefined && {
        sessionNotOnOrAfter: new Date(authnInstant.getTime() + config.session_lifetime_seconds * 1000),
      }),
      attributes: releasedAttributes(configuredAttributes(config), session?.attributes, sp.requestedAttributes),
    });
    const facts = issuedFacts(doc, config.issuer, sp.entityId);
    const signingKey = config.signing_key === undefined ? undefined : realm.keys.get(config.signing_key);
    let xml = await securedAssertion(doc, config, sp.encryptionCertificate, signingKey);
    if (tokenForm === 'response') {
      xml = buildResponse({ issuer: config.issuer, destination: acsUrl, inResponseTo, assertionXml: xml });
      if (config.sign_response) xml = await signAfterIssuer(xml, signingKey!, signatureOptionsOf(config));
    }
    return { token: encoding === 'base64' ? Buffer.from(xml, 'utf8').toString('base64') : xml, ...facts };
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
    problems.push(...signingProblems(saml2, realm));
    problems.push(...attributeProblems(saml2));
    problems.push(...nameIdProblems(saml2, realm));
    const encryption = saml2.encryption;
    if (encryption) {
      if (!encryption.encrypt_assertion && !encryption.encrypt_name_id && !encryption.encrypt_attributes) {
        problems.push({ path: 'saml2.encryption', message: 'encrypts nothing: set encrypt_assertion, encrypt_name_id or encrypt_attributes' });
      }
    }
    const spProblems = await prepareServiceProvider(saml2, realm.configDir);
    problems.push(...spProblems);
    if (spProblems.length === 0 && serviceProviderFor(saml2).wantAssertionsSigned && !saml2.sign_assertion) {
      // The SP would refuse every assertion; a signed Response around an unsigned one does not count.
      problems.push({ path: 'saml2.sign_assertion', message: 'the SP\'s metadata says WantAssertionsSigned="true"; set sign_assertion: true' });
    }
    return problems;
  }
}

/** A request's Destination must be our single sign-on URL when the instance names it. */
function authnRequestOptions(config: Saml2Config): AuthnRequestOptions {
  const destination = config.metadata.single_sign_on_url;
  return destination === undefined ? {} : { destination };
}

/** The AuthnRequest's facts, when the caller's in_response_to (if any) names the same request. */
function answeredRequest(request: AuthnRequestFacts, inResponseTo: string | undefined): AuthnRequestFacts {
  if (inResponseTo !== undefined && inResponseTo !== request.id) {
    throw new InvalidRequestError(`output_token_state.in_response_to (${inResponseTo}) is not the ID of the AuthnRequest it carries (${request.id}).`, {
      code: 'in_response_to_mismatch',
    });
  }
  return request;
}

/** A key that can sign whenever something is to be signed, and a signature method of its family. */
function signingProblems(saml2: Saml2Config, realm: ConfigurationCheckContext['realm']): ConfigurationProblem[] {
  if (!saml2.sign_assertion && !saml2.sign_response) return [];
  if (saml2.signing_key === undefined) {
    return [{ path: 'saml2.signing_key', message: `required when ${saml2.sign_assertion ? 'sign_assertion' : 'sign_response'} is true` }];
  }
  const keyProblem = xmlSigningKeyProblem(saml2.signing_key, realm);
  if (keyProblem) return [{ path: 'saml2.signing_key', message: keyProblem }];
  const algorithmProblem = saml2.signature_algorithm && signatureAlgorithmProblem(saml2.signature_algorithm, realm.keys.get(saml2.signing_key)!);
  return algorithmProblem ? [{ path: 'saml2.signature_algorithm', message: algorithmProblem }] : [];
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

/**
 * The assertion as it leaves the STS, as XML text: its parts encrypted (then signed), or signed
 * (then wrapped in EncryptedAssertion), as the encryption settings say.
 */
async function securedAssertion(doc: Document, config: Saml2Config, spCertificate: SpEncryptionCertificate | undefined, signingKey: RealmKey | undefined): Promise<string> {
  const encryption = config.encryption;
  const algorithms = encryption && { data: encryption.data_algorithm, keyTransport: encryption.key_transport };
  if (encryption && !encryption.encrypt_assertion) await encryptParts(doc, encryption, spCertificate!, algorithms!);
  let xml = new XMLSerializer().serializeToString(doc);
  if (config.sign_assertion) xml = await signAfterIssuer(xml, signingKey!, signatureOptionsOf(config));
  if (!encryption?.encrypt_assertion) return xml;
  const wrapper = newSamlDocument('EncryptedAssertion');
  await appendEncrypted(wrapper.documentElement!, xml, spCertificate!, algorithms!);
  return new XMLSerializer().serializeToString(wrapper);
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
async function appendEncrypted(parent: Element, xml: string, to: SpEncryptionCertificate, algorithms: XmlEncryptionAlgorithms): Promise<void> {
  const encrypted = new DOMParser().parseFromString(await encryptXml(xml, to, algorithms), 'text/xml');
  parent.appendChild(parent.ownerDocument!.importNode(encrypted.documentElement!, true));
}

/** NameID -> EncryptedID, each Attribute -> EncryptedAttribute (saml-core 2.2.4, 2.7.3.2). */
async function encryptParts(doc: Document, encryption: Saml2EncryptionConfig, to: SpEncryptionCertificate, algorithms: XmlEncryptionAlgorithms): Promise<void> {
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
    await appendEncrypted(wrapper, new XMLSerializer().serializeToString(element), to, algorithms);
    element.parentNode!.replaceChild(wrapper, element);
  }
}
