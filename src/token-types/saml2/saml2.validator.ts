/**
 * Input type SAML2: `{saml2_token}`, a SAML 2.0 Assertion, EncryptedAssertion, or a Response
 * carrying exactly one of them, raw XML or base64 of it, signed by an IdP listed in
 * `saml2_validation.trusted_idps`; `{in_response_to}` optionally names the AuthnRequest it answers.
 *
 * In this order, so hostile input costs as little as possible: size and DTD refused before
 * parsing; a strict parse; the envelope (a Response's Destination must be one of `recipients`, its
 * Status Success, one assertion only); an EncryptedAssertion decrypted with `decryption_key`
 * (algorithms checked first) and its plaintext parsed strictly as a document of its own; the
 * assertion's shape (one Assertion, one enveloped signature referencing it, allowed algorithms
 * only, no comments); the issuer must be trusted; the signature is verified with that IdP's
 * configured certificates only (never KeyInfo); then everything is read from the verified
 * reference alone: EncryptedID / EncryptedAttribute opened, validity window and audience (with
 * clock skew), a bearer confirmation whose Recipient is one of `recipients`, the InResponseTo
 * the caller expects, NameID, authentication statement, attributes. Last, the assertion ID is
 * remembered in the shared replay guard until it expires, so the same assertion is accepted once
 * by any node.
 */
import type { Document, Element } from '@xmldom/xmldom';
import { InvalidRequestError, InvalidTokenError, isStsError } from '../../errors/sts-errors';
import type {
  ConfigurationCheckContext,
  ConfigurationProblem,
  TokenValidationResult,
  TokenValidator,
  TokenValidatorParams,
} from '../../plugin-api/token-contract';
import type { Saml2ValidationConfig } from '../../realms/schema/saml2-validation-config';
import { readAssertion } from './validation-assertion';
import { decryptElement, decryptionFailed, decryptionKeyProblem, encryptedWithoutKey } from './validation-decryption';
import { decryptSignedParts } from './validation-encrypted-parts';
import { checkInResponseTo, expectedRequestId } from './validation-in-response-to';
import { openEnvelope } from './validation-response';
import { locateAssertionIn, NS, signatureInvalid, verifyAssertion, type PendingAssertion } from './validation-signature';
import { prepareTrustedIdps, trustedIdpKeysFor } from './validation-trust';
import { decodeSamlDocument, parseStrictXml } from './xml-safety';

interface VerifiedAssertion {
  readonly pending: PendingAssertion;
  /** The Assertion exactly as signed, parsed anew from what the signature covers. */
  readonly signed: Element;
}

export class Saml2TokenValidator implements TokenValidator {
  async validateToken({ inputTokenState, realm, instance, replayGuard }: TokenValidatorParams): Promise<TokenValidationResult> {
    // checkConfiguration guarantees the block and its keys for instances that accept SAML2.
    const config = instance.settings.saml2_validation!;
    const token = inputTokenState.saml2_token;
    if (typeof token !== 'string' || token.trim().length === 0) {
      throw new InvalidRequestError('input_token_state.saml2_token is required and must be a non-empty string.');
    }
    const expectedRequest = expectedRequestId(inputTokenState, config.require_in_response_to);
    const xml = decodeSamlDocument(token, config.max_document_bytes);
    const document = parseStrictXml(xml);
    const envelope = openEnvelope(document, config.recipients);
    const key = config.decryption_key === undefined ? undefined : realm.keys.get(config.decryption_key);

    let verified: VerifiedAssertion;
    if (envelope.encryptedAssertion) {
      if (!key) throw encryptedWithoutKey('EncryptedAssertion');
      const { plaintext, authenticated } = await decryptElement(envelope.encryptedAssertion, key, 'EncryptedAssertion');
      const open = () => verifyAssertionIn(decryptedAssertionDocument(plaintext, config.max_document_bytes), config);
      verified = authenticated ? open() : withoutDetail(open);
    } else {
      verified = verifyAssertionIn(document, config);
    }
    const { pending, signed } = verified;
    await decryptSignedParts(signed, key);

    const now = Date.now();
    const clockSkewMs = config.clock_skew_seconds * 1000;
    const read = readAssertion(signed, { audience: config.audience, recipients: config.recipients, clockSkewMs, now });
    if (read.issuer !== pending.claimedIssuer) throw signatureInvalid('The signed Issuer differs from the one the keys were chosen for.');
    if (expectedRequest !== undefined) checkInResponseTo(expectedRequest, envelope.responseInResponseTo, read.bearerInResponseTo);

    // Assertion IDs are unique per issuer only; a store outage rejects with a 503, passed on as is.
    if (!(await replayGuard.firstUse(`${read.issuer}\u0000${pending.id}`, new Date(read.notOnOrAfter + clockSkewMs)))) {
      throw new InvalidTokenError('This assertion has already been used.', { code: 'saml_assertion_replayed' });
    }
    return {
      principal: read.nameId,
      // The signed Issuer: token exchange trusts this, never an attribute that happens to be called iss.
      issuer: read.issuer,
      session: {
        authenticatedAt: read.authenticatedAt ?? new Date(now),
        authenticationMethods: read.authenticationMethods,
        ...(read.authnContextClassRef && { acr: read.authnContextClassRef }),
        attributes: { ...read.attributes, saml_issuer: read.issuer },
      },
    };
  }

  async checkConfiguration({ realm, instance }: ConfigurationCheckContext): Promise<ConfigurationProblem[]> {
    const config = instance.settings.saml2_validation;
    if (!config) return [{ path: 'saml2_validation', message: 'missing; SAML2 input needs a saml2_validation section' }];
    const problems = await prepareTrustedIdps(config, realm.configDir);
    const keyProblem = config.decryption_key === undefined ? undefined : decryptionKeyProblem(config.decryption_key, realm);
    if (keyProblem) problems.push({ path: 'saml2_validation.decryption_key', message: keyProblem });
    return problems;
  }
}

/** The one assertion of `document`, its signature verified with its issuer's configured keys. */
function verifyAssertionIn(document: Document, config: Saml2ValidationConfig): VerifiedAssertion {
  const pending = locateAssertionIn(document);
  // Before the signature: a hostile assertion costs no verification.
  const attributeCount =
    pending.assertion.getElementsByTagNameNS(NS.ASSERTION, 'Attribute').length +
    pending.assertion.getElementsByTagNameNS(NS.ASSERTION, 'EncryptedAttribute').length;
  if (attributeCount > config.max_attributes) {
    throw new InvalidRequestError(`The assertion has more than the ${config.max_attributes} attributes this instance accepts.`, {
      code: 'saml_too_many_attributes',
    });
  }
  const keys = trustedIdpKeysFor(config).get(pending.claimedIssuer);
  if (!keys || keys.length === 0) {
    throw new InvalidTokenError(`The assertion issuer ${JSON.stringify(pending.claimedIssuer.slice(0, 200))} is not trusted.`, {
      code: 'saml_untrusted_issuer',
    });
  }
  return { pending, signed: verifyAssertion(pending, keys) };
}

/** The decrypted plaintext as a document of its own: within the size limit, no DTD, one saml:Assertion. */
function decryptedAssertionDocument(plaintext: string, maxBytes: number): Document {
  if (Buffer.byteLength(plaintext, 'utf8') > maxBytes) {
    throw new InvalidRequestError(`The decrypted assertion is larger than the ${maxBytes} bytes this instance accepts.`, { code: 'saml_document_too_large' });
  }
  const document = parseStrictXml(plaintext);
  const root = document.documentElement!;
  if (root.namespaceURI !== NS.ASSERTION || root.localName !== 'Assertion') {
    throw new InvalidTokenError('The EncryptedAssertion does not hold a saml:Assertion.', { code: 'malformed_saml' });
  }
  return document;
}

/**
 * AES-CBC does not authenticate the ciphertext: a changed ciphertext decrypts to other bytes, and
 * an answer telling how those bytes read (not XML, no assertion, bad signature) would let an
 * attacker decrypt someone else's assertion block by block (Jager and Somorovsky, 2011). So every
 * refusal until the signature has verified is the one the decryption itself gives.
 */
function withoutDetail<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (isStsError(error)) throw decryptionFailed('EncryptedAssertion');
    throw error;
  }
}
